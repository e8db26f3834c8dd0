import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BenchSettings, loadSettings } from '../settings.js';
import { cleanUp } from './cleanup.js';
import { describeMachine } from './machine.js';
import { outDir } from './paths.js';

export interface BenchRun {
  settings: BenchSettings;
  machine: string;
  log(line: string): void;
  /** Writes the run's figures to bench/out/results/<name>-<time>.json and says where. */
  save(figures: object): void;
}

/**
 * Runs one benchmark entry (`npm run bench`, `bench:scale`, `bench:live`): says what machine and settings
 * it measures first, and removes the databases and servers it made however it ends.
 */
export function runBench(name: string, measure: (run: BenchRun) => Promise<void>): void {
  const start = async () => {
    const settings = loadSettings();
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const machine = await describeMachine();
    log(`machine: ${machine}`);
    log(`settings: ${JSON.stringify(settings)}\n`);
    const save = (figures: object) => {
      const file = path.join(outDir('results'), `${name}-${new Date().toISOString().replaceAll(':', '-')}.json`);
      writeFileSync(file, JSON.stringify({ machine, settings, ...figures }, null, 2));
      log(`\nresults: ${path.relative(process.cwd(), file)}`);
    };
    await measure({ settings, machine, log, save });
  };
  start()
    .catch((error: unknown) => {
      process.stderr.write(
        `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    })
    .finally(cleanUp);
}
