import type { Attempt, FailureStore } from './failure-store.js';

/**
 * Attempts counted in this process alone: for a single server, and in place of Redis while Redis is
 * away. Keys whose attempts have all left their window are dropped at most once per window, so memory
 * follows the usernames tried recently, not all those ever tried.
 */
export class MemoryFailureStore implements FailureStore {
  private readonly attempts = new Map<string, { times: number[]; windowMs: number }>();
  private lastSweep: number;

  /** `now` is for tests that move the clock. */
  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  async take(key: string, limit: number, windowMs: number): Promise<Attempt> {
    const now = this.now();
    this.sweep(now, windowMs);
    const entry = this.attempts.get(key) ?? { times: [], windowMs };
    entry.times = entry.times.filter((time) => time > now - windowMs);
    const oldest = entry.times[0];
    if (entry.times.length >= limit && oldest !== undefined) {
      return { allowed: false, retryAfterMs: windowMs - (now - oldest) };
    }
    entry.times.push(now);
    this.attempts.set(key, entry);
    return { allowed: true };
  }

  async clear(key: string): Promise<void> {
    this.attempts.delete(key);
  }

  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    for (const [key, entry] of this.attempts) {
      const newest = entry.times.at(-1);
      if (newest === undefined || newest <= now - entry.windowMs) this.attempts.delete(key);
    }
  }
}
