import { threadCpuMicros } from '../support/cpu-usage.js';
import { median } from '../support/stats.js';

/** What one call of a step costs, in µs: this process's CPU, the database server's, and the time it took. */
export interface Cost {
  node: number;
  /** The CPU of the database connection's server process (PostgreSQL); NaN for an embedded database. */
  database: number;
  wall: number;
}

/** Each measurement lasts about this long; the median of REPEATS of them is kept. */
const TARGET_MS = 250;
const REPEATS = 5;

/**
 * Calls `step` again and again, one call at a time: as many calls as fill about TARGET_MS, once to warm
 * up, then REPEATS times measured. CPU comes from process.cpuUsage (the whole process, so the garbage
 * collector's helper threads count too) and, for a database server process, from /proc, whose ticks of
 * 10 ms are too coarse for one measurement: its CPU is summed over all of them.
 */
export async function measureCost(step: () => unknown, databasePid?: number): Promise<Cost> {
  const calls = await callsFor(step);
  await repeat(step, calls);
  const node: number[] = [];
  const wall: number[] = [];
  const databaseBefore = databasePid === undefined ? Number.NaN : threadCpuMicros(databasePid);
  for (let round = 0; round < REPEATS; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await repeat(step, calls);
    wall.push(((performance.now() - started) * 1000) / calls);
    const used = process.cpuUsage(cpu);
    node.push((used.user + used.system) / calls);
  }
  const database =
    databasePid === undefined ? Number.NaN : (threadCpuMicros(databasePid) - databaseBefore) / (calls * REPEATS);
  return { node: median(node), database, wall: median(wall) };
}

async function callsFor(step: () => unknown): Promise<number> {
  let calls = 1;
  for (;;) {
    const started = performance.now();
    await repeat(step, calls);
    const elapsed = performance.now() - started;
    if (elapsed >= TARGET_MS / 10 || calls >= 1_000_000) return Math.max(1, Math.round((calls * TARGET_MS) / elapsed));
    calls *= 4;
  }
}

/** Awaits only what returns a promise: a synchronous step is measured without a turn of the event loop. */
async function repeat(step: () => unknown, calls: number): Promise<void> {
  for (let call = 0; call < calls; call++) {
    const result = step();
    if (result instanceof Promise) await result;
  }
}
