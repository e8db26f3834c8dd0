import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSettings } from './settings.js';
import { runScaleSuite } from './suites/scale-suite.js';
import { cleanUp } from './support/cleanup.js';
import { describeMachine } from './support/machine.js';
import { outDir } from './support/paths.js';

/**
 * `npm run bench:scale`: /chats/get and /messages/add on generated data of 10k, 1M and 10M messages
 * (BENCH_SCALE_SIZES, BENCH_SCALE_BACKENDS). Kept SQLite data sets are reused from bench/out/data/.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const machine = await describeMachine();
  log(`machine: ${machine}`);
  log(`settings: ${JSON.stringify(settings)}\n`);

  const scale = await runScaleSuite(settings, log);
  log(
    `\nData size, median of ${settings.rounds} round(s) (p50 on one connection; writes at ${settings.connections}):\n`,
  );
  log(scale.table);

  const file = path.join(outDir('results'), `scale-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine, settings, scale }, null, 2));
  log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `bench:scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(cleanUp);
