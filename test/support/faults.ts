import { randomInt } from 'node:crypto';
import fs from 'node:fs';

/**
 * Knobs of the fault suites (test/faults). `npm test` runs short variants; FAULTS_LONG=1 runs long ones;
 * FAULTS_SEED=<n> replays the random choices of a printed run.
 */
export const FAULTS_LONG = process.env.FAULTS_LONG === '1';

/** `short` under npm test, `long` with FAULTS_LONG=1. */
export const scaled = (short: number, long: number): number => (FAULTS_LONG ? long : short);

/** The seed of this run: FAULTS_SEED when given, else a fresh one. The caller prints it. */
export function faultSeed(): number {
  const given = process.env.FAULTS_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`FAULTS_SEED must be an integer, got ${JSON.stringify(given)}`);
  return seed;
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting until ${what}`);
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The value below which `fraction` of `values` lie (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

/** Resident memory of a process, in MiB, as Linux reports it; undefined once the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `peak` is the largest sample. */
export function watchRss(pid: number, everyMs = 100): { readonly peak: number; stop(): number } {
  let peak = rssMiB(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid) ?? 0);
  }, everyMs).unref();
  return {
    get peak() {
      return peak;
    },
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
