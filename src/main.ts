import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { EventHub } from './live/event-hub.js';
import { LocalSignal } from './live/signal.js';
import { startKeyJanitor } from './storage/key-janitor.js';
import { storageOpener } from './storage/open-storage.js';

/** Starts Parley: settings from the environment, storage, HTTP; stops cleanly on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Only what the settings name is loaded: one database driver, and Redis's client only with REDIS_URL.
  const openStorage = await storageOpener(config.database);
  const redis = config.redisUrl ? { url: config.redisUrl, ...(await import('./live/redis-signal.js')) } : undefined;

  // From here everything is built in one turn, so the callbacks below cannot run before `app` exists.
  const storage = openStorage({
    onUnavailable: (error) => app.log.warn({ err: error }, 'database not reachable yet; retrying every second'),
  });
  const signal = redis
    ? new redis.RedisSignal(redis.url, redis.channelOf(config.database), (error) =>
        app.log.warn({ err: error }, 'Redis is not reachable; live events reach other processes at the next poll'),
      )
    : new LocalSignal();
  const hub = new EventHub(storage, signal, {
    onError: (error) => app.log.warn({ err: error }, 'could not read the event log; retrying'),
  });
  const app = buildApp({ storage, hub, logger: { level: config.logLevel } });
  const stopJanitor = startKeyJanitor(storage, (error) => app.log.warn({ err: error }, 'could not forget old keys'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing requests in flight');
    stopJanitor();
    await app.close();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `parley failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
