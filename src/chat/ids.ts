import type { Id } from '../model/entities.js';

/** Ids are positive 64-bit integers, as every backend stores them. */
const MAX_ID = 9223372036854775807n;

/**
 * The canonical form of an id a client sent (digits, or a JSON integer), or `undefined` when no
 * entity can have it: zero, or beyond 64 bits. Such ids are unknown, not malformed.
 */
export function canonicalId(value: string | number): Id | undefined {
  const digits = (typeof value === 'number' ? BigInt(value).toString() : value).replace(/^0+/, '');
  if (digits === '' || digits.length > 19) return undefined;
  return BigInt(digits) <= MAX_ID ? digits : undefined;
}
