import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { ChatService } from './chat/chat-service.js';
import type { Storage } from './chat/storage-port.js';
import type { Config } from './config.js';
import { buildApp, type HttpTimeouts } from './http/app.js';
import { LiveDelivery, type LiveDeliveryOptions } from './live/live-delivery.js';
import { LocalSignal, type Signal } from './live/signal.js';
import { startKeyJanitor } from './storage/key-janitor.js';
import { storageOpener } from './storage/open-storage.js';

export interface AppComposition {
  storage: Storage;
  /** How this process hears of other processes' writes; alone by default. */
  signal?: Signal;
  live?: LiveDeliveryOptions;
  logger?: FastifyServerOptions['logger'];
  /** Tests shorten these; the server runs with HTTP_TIMEOUTS. */
  timeouts?: Partial<HttpTimeouts>;
}

/**
 * The composition root: the chat's rules over the storage, live delivery told of every write the rules
 * commit, and the HTTP app serving both. Closing the app ends its streams first (they never end by
 * themselves), then waits for the requests in flight; the storage stays the caller's.
 */
export function composeApp({
  storage,
  signal = new LocalSignal(),
  live: liveOptions,
  logger,
  timeouts,
}: AppComposition): FastifyInstance {
  const live = new LiveDelivery(storage, signal, liveOptions);
  const chats = new ChatService(storage, live);
  const app = buildApp({ chats, live, storage, logger, timeouts });
  app.addHook('preClose', () => live.close());
  return app;
}

/** A running Parley: its app, and the one way to stop it. */
export interface Parley {
  app: FastifyInstance;
  /** Stops sweeping keys, ends the streams, finishes the requests in flight, then closes the database. */
  close(): Promise<void>;
}

/**
 * Parley from its settings: only what they name is loaded (one database driver, and Redis's client only
 * with REDIS_URL); then everything is built in one turn, so that no callback can run before the logger
 * it writes to exists.
 */
export async function startParley(config: Config): Promise<Parley> {
  const openStorage = await storageOpener(config.database);
  const redis = config.redisUrl ? { url: config.redisUrl, ...(await import('./live/redis-signal.js')) } : undefined;

  const warn = (message: string) => (error: unknown) => app.log.warn({ err: error }, message);
  const storage = openStorage({ onUnavailable: warn('database not reachable yet; retrying every second') });
  const signal = redis
    ? new redis.RedisSignal(
        redis.url,
        redis.channelOf(config.database),
        warn('Redis is not reachable; live events reach other processes at the next poll'),
      )
    : new LocalSignal();
  const app = composeApp({
    storage,
    signal,
    live: { onError: warn('could not read the event log; retrying') },
    logger: { level: config.logLevel },
  });
  const stopJanitor = startKeyJanitor(storage, warn('could not forget old keys'));

  return {
    app,
    async close() {
      stopJanitor();
      await app.close();
      await storage.close();
    },
  };
}
