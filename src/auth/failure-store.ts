/** The answer to one attempt: counted, or refused until the oldest counted one leaves the window. */
export type Attempt = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Counts attempts per key in a sliding window, for the sign-in lockout. Two implementations: in memory
 * (one process) and in Redis (every process sharing it). Keys are opaque to a store.
 */
export interface FailureStore {
  /**
   * Counts one attempt for `key`, unless `limit` attempts are already counted within the last `windowMs`:
   * then counts nothing, and says how long until the oldest of them leaves the window. Atomic: two
   * attempts at once cannot both take the last place.
   */
  take(key: string, limit: number, windowMs: number): Promise<Attempt>;
  /** Forgets every attempt counted for `key`. */
  clear(key: string): Promise<void>;
}
