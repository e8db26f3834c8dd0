import type { Id } from '../model/entities.js';

/** What an idempotency key was recorded with: the request's fingerprint and the id it created. */
export interface StoredKey {
  fingerprint: string;
  id: Id;
}

export const KEY_REUSED = { ok: false, reason: 'key_reused' } as const;

/**
 * A request whose key was used before creates nothing: it answers what the first request created when
 * it is the same request, and is refused when it is another. `undefined`: the key is new, so create.
 */
export function answerForKey(
  stored: StoredKey | undefined,
  fingerprint: string,
): { ok: true; id: Id } | typeof KEY_REUSED | undefined {
  if (stored === undefined) return undefined;
  return stored.fingerprint === fingerprint ? { ok: true, id: stored.id } : KEY_REUSED;
}
