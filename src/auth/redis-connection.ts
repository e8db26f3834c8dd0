import { Redis } from 'ioredis';

/**
 * A Redis connection for the counters on the request path (sign-in failures, the rate limit): a
 * command fails within a second rather than queueing while Redis is away, so a request never waits on
 * it, and each counter falls back as it documents. ioredis reconnects by itself; `onUnavailable` hears
 * of an outage once, not of every retry. Import this module only with REDIS_URL, so ioredis is loaded
 * only then.
 */
export function openCounterRedis(url: string, onUnavailable: (error: unknown) => void = () => {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
  });
  let down = false;
  redis.on('error', (error: unknown) => {
    if (!down) onUnavailable(error);
    down = true;
  });
  redis.on('ready', () => {
    down = false;
  });
  return redis;
}
