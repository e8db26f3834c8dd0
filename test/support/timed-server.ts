/**
 * Parley as src/main.ts runs it, with shorter HTTP timeouts, so that a test can watch the server close
 * slow and idle connections without waiting for the production ones. Settings come from the environment
 * as for the real server; the timeouts from PARLEY_TEST_HTTP_TIMEOUTS (JSON, the fields of HttpTimeouts).
 * Started with `node --import tsx test/support/timed-server.ts` (see startTimedServer in process.ts).
 */

import { loadConfig } from '../../src/config.js';
import type { HttpTimeouts } from '../../src/http/app.js';
import { composeApp } from '../../src/server.js';
import { storageOpener } from '../../src/storage/open-storage.js';
import { startSourceThread } from './source-threads.js';

const config = loadConfig();
const timeouts = JSON.parse(process.env.PARLEY_TEST_HTTP_TIMEOUTS ?? '{}') as Partial<HttpTimeouts>;
const storage = (await storageOpener(config.database))({ startThread: startSourceThread });
const app = composeApp({ storage, logger: { level: config.logLevel }, timeouts });

process.once('SIGTERM', async () => {
  await app.close();
  await storage.close();
  process.exit(0);
});

await app.listen({ port: config.port, host: config.host });
