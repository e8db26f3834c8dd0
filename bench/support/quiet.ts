import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSnapshot, cpuUsage } from './cpu-usage.js';

/**
 * The machine is shared: before a measurement, wait (at most `maxSeconds`) for one second in which the
 * rest of the machine uses less than `cores` of CPU. The database servers count too: between two
 * measurements they should be idle, and a checkpoint left over from the last run would slow the next.
 * Returns what the last second measured, so that a wait that gave up can be reported; the run goes on
 * either way.
 */
export async function waitForQuiet(maxSeconds: number, cores: number): Promise<{ others: number; waited: number }> {
  const started = performance.now();
  for (;;) {
    const before = cpuSnapshot([process.pid]);
    await sleep(1000);
    const usage = cpuUsage(before, cpuSnapshot([process.pid]), availableParallelism());
    const others = usage.others + usage.database;
    const waited = (performance.now() - started) / 1000;
    if (others < cores || waited >= maxSeconds) return { others, waited };
  }
}

/** waitForQuiet with the run's settings, saying so when the machine stayed busy. */
export async function settle(
  settings: { quietWait: number; quietCores: number },
  log: (line: string) => void,
): Promise<void> {
  if (settings.quietWait <= 0) return;
  const { others, waited } = await waitForQuiet(settings.quietWait, settings.quietCores);
  if (others >= settings.quietCores) {
    log(
      `  (the machine stayed busy: other processes used ${others.toFixed(2)} cores after ${waited.toFixed(0)} s of waiting)`,
    );
  }
}
