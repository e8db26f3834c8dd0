import type { Storage } from '../chat/storage-port.js';

/** Idempotency keys are kept at least this long, so a client may retry for a day. */
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;
/** Small deletes, one after another, so no request waits behind a long one. */
const KEYS_PER_DELETE = 1000;

/** Forgets every key older than the retention, a bounded batch at a time; returns how many. */
export async function forgetExpiredKeys(storage: Storage, now: number, stopped = () => false): Promise<number> {
  const cutoff = now - KEY_RETENTION_MS;
  let total = 0;
  for (;;) {
    const forgotten = await storage.forgetIdempotencyKeys(cutoff, KEYS_PER_DELETE);
    total += forgotten;
    if (forgotten < KEYS_PER_DELETE || stopped()) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Sweeps expired keys every few minutes. A failed sweep (the database away) is reported and tried
 * again at the next turn. Returns a stop function.
 */
export function startKeyJanitor(storage: Storage, onError: (error: unknown) => void): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    forgetExpiredKeys(storage, Date.now(), () => stopped).catch(onError);
  }, SWEEP_EVERY_MS).unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
