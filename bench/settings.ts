import type { LoadGenerator } from './load/http-load.js';
import { wrkInstalled } from './load/wrk-load.js';

/**
 * What a benchmark run does and for how long, read once from the environment. `BENCH_QUICK=1` is a
 * smoke run of a few seconds per figure; every other variable overrides one knob of either mode.
 */
export interface BenchSettings {
  readonly quick: boolean;
  /** Interleaved rounds: each round measures every target once, in the same order. */
  readonly rounds: number;
  /** Seconds of each measured load run. */
  readonly duration: number;
  /** Seconds of unmeasured load before each measured run (JIT, caches, connection pools). */
  readonly warmup: number;
  /** Seconds of each single-connection latency probe. */
  readonly probeDuration: number;
  readonly connections: number;
  /** What loads the servers of the /messages/add comparison: wrk when it is installed. */
  readonly generator: LoadGenerator;
  /** Which throughput targets to run: ceiling, sqlite, postgres, mariadb, pgbench (and the diagnostics). */
  readonly targets: readonly string[];
  /** Which backends the data-shape figures run on (generated data): sqlite, postgres. */
  readonly shapeBackends: readonly string[];
  /** Messages of the deep chat that the page-depth figure reads. */
  readonly deepChat: number;
  /** Message counts of the scale figures (`npm run bench:scale`). */
  readonly scaleSizes: readonly string[];
  readonly scaleBackends: readonly string[];
  /** Backends of one extra, unmeasured /messages/add run each with the server under `node --cpu-prof`. */
  readonly profile: readonly string[];
  /** Backends of the read figures (three reads, Parley against a bare server answering the same bytes). */
  readonly reads: readonly string[];
  /** Servers of the read figures: ceiling, parley, and the diagnostics fastify, fastify-bytes, baseline. */
  readonly readTargets: readonly string[];
  /** Backends whose three reads are run once more, unmeasured, each with the server under `node --cpu-prof`. */
  readonly profileReads: readonly string[];
  /** Before each measurement, wait up to this many seconds for the rest of the machine to be quiet (0: never). */
  readonly quietWait: number;
  /** Quiet: other processes use less than this many cores. */
  readonly quietCores: number;
  /** The server's LOG_LEVEL; `info` is what ships (one JSON line per request, here to /dev/null). */
  readonly logLevel: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadSettings(env: Env = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1';
  return Object.freeze({
    quick,
    rounds: integer(env, 'BENCH_ROUNDS', quick ? 1 : 3),
    duration: seconds(env, 'BENCH_DURATION', quick ? 2 : 10),
    warmup: seconds(env, 'BENCH_WARMUP', quick ? 0.5 : 2),
    probeDuration: seconds(env, 'BENCH_PROBE_DURATION', quick ? 0.5 : 3),
    connections: integer(env, 'BENCH_CONNECTIONS', 50),
    generator: generator(env),
    targets: list(env, 'BENCH_TARGETS', ['ceiling', 'sqlite', 'postgres', 'mariadb', 'pgbench']),
    shapeBackends: list(env, 'BENCH_SHAPES', quick ? ['sqlite'] : ['sqlite', 'postgres']),
    deepChat: integer(env, 'BENCH_DEEP_CHAT', quick ? 20_000 : 1_000_000),
    scaleSizes: list(env, 'BENCH_SCALE_SIZES', quick ? ['10k'] : ['10k', '1m', '10m']),
    scaleBackends: list(env, 'BENCH_SCALE_BACKENDS', ['sqlite']),
    profile: list(env, 'BENCH_PROFILE', quick ? [] : ['sqlite']),
    reads: list(env, 'BENCH_READS', ['sqlite', 'postgres']),
    readTargets: list(
      env,
      'BENCH_READ_TARGETS',
      env.BENCH_BASELINE_DIST ? ['ceiling', 'parley', 'baseline'] : ['ceiling', 'parley'],
    ),
    profileReads: list(env, 'BENCH_PROFILE_READS', quick ? [] : ['sqlite', 'postgres']),
    quietWait: integer(env, 'BENCH_QUIET_WAIT', quick ? 0 : 20),
    quietCores: Number(env.BENCH_QUIET_CORES ?? 0.3),
    logLevel: env.BENCH_LOG_LEVEL ?? 'info',
  });
}

function generator(env: Env): LoadGenerator {
  const raw = env.BENCH_LOAD;
  if (raw === undefined || raw === '') return wrkInstalled() ? 'wrk' : 'autocannon';
  if (raw !== 'wrk' && raw !== 'autocannon') throw new Error(`BENCH_LOAD must be wrk or autocannon, got ${raw}`);
  if (raw === 'wrk' && !wrkInstalled())
    throw new Error('BENCH_LOAD=wrk, but wrk is not installed (apt-get install wrk)');
  return raw;
}

function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${raw}`);
  return value;
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0 && value <= 600)) throw new Error(`${name} must be a number of seconds in (0, 600], got ${raw}`);
  return value;
}

function list(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
