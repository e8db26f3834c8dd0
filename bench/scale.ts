import { runScaleSuite } from './suites/scale-suite.js';
import { runBench } from './support/entry.js';

/**
 * `npm run bench:scale`: /chats/get and /messages/add on generated data of 10k, 1M and 10M messages
 * (BENCH_SCALE_SIZES, BENCH_SCALE_BACKENDS). Kept SQLite data sets are reused from bench/out/data/.
 */
runBench('scale', async ({ settings, log, save }) => {
  const scale = await runScaleSuite(settings, log);
  log(
    `\nData size, median of ${settings.rounds} round(s) (p50 on one connection; writes at ${settings.connections}):\n`,
  );
  log(scale.table);

  save({ scale });
});
