import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Attempt, FailureStore } from './failure-store.js';
import { MemoryFailureStore } from './memory-failure-store.js';

export const DEFAULT_FAILURE_KEY_PREFIX = 'parley:sign-in-failures:';

/**
 * One sorted set per key, an attempt per member scored by Redis's own clock (TIME), so processes whose
 * clocks differ still share one window. Drops what left the window, refuses when full (answering how
 * long until the oldest leaves), else adds. One script: atomic across processes.
 */
const TAKE = `
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return window - (now - tonumber(oldest[2]))
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, window)
return 0
`;

export interface RedisFailureStoreOptions {
  /** Tests give each run its own prefix; the server keeps the default. */
  keyPrefix?: string;
  /** Told once when Redis stops answering (not again until it has answered). */
  onUnavailable?: (error: unknown) => void;
}

/**
 * Attempts counted in Redis, shared by every server process. While Redis cannot be reached, each process
 * counts in its own memory instead: sign-in goes on and stays bounded (per process) rather than either
 * locking every user out or counting nothing. Never throws.
 */
export class RedisFailureStore implements FailureStore {
  private readonly prefix: string;
  private readonly fallback = new MemoryFailureStore();
  private down = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisFailureStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_FAILURE_KEY_PREFIX;
  }

  async take(key: string, limit: number, windowMs: number): Promise<Attempt> {
    try {
      const retryAfterMs = Number(await this.redis.eval(TAKE, 1, this.prefix + key, limit, windowMs, randomUUID()));
      this.down = false;
      return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
    } catch (error) {
      this.unavailable(error);
      return this.fallback.take(key, limit, windowMs);
    }
  }

  async clear(key: string): Promise<void> {
    await this.fallback.clear(key);
    try {
      await this.redis.del(this.prefix + key);
    } catch (error) {
      this.unavailable(error);
    }
  }

  private unavailable(error: unknown): void {
    if (!this.down) this.options.onUnavailable?.(error);
    this.down = true;
  }
}
