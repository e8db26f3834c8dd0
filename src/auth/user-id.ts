/** The largest id any backend stores: ids are positive 64-bit integers. */
const MAX_ID = 9223372036854775807n;

/**
 * The user a token's `sub` names, or `undefined` when `sub` is not a user id in its one canonical form:
 * a string of 1-19 digits without leading zeros, within 64 bits. A token is issued by a program, so
 * `"007"` or `7` are refused rather than read generously: two spellings of one user would make two
 * tokens that look different and act alike.
 */
export function userIdFromSubject(sub: unknown): string | undefined {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,18}$/.test(sub)) return undefined;
  return BigInt(sub) <= MAX_ID ? sub : undefined;
}

/**
 * Whether an id as a request carries it (digits with any leading zeros, or a JSON integer) names this
 * user, whose id is canonical. Requests are read generously, as the rest of the API reads them.
 */
export function namesUser(id: string | number, userId: string): boolean {
  if (typeof id === 'number') return Number.isSafeInteger(id) && String(id) === userId;
  return id.replace(/^0+/, '') === userId;
}
