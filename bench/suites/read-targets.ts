import path from 'node:path';
import { type LoadResult, runLoad } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { type BenchDatabase, createPostgresDatabase, postgresReachable, sqliteDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { BASELINE_DIST, type Server, startCeiling, startParley } from '../support/processes.js';
import { type ReadRequest, seedReads } from '../workload/read-data.js';
import { captureAnswers, checkSameAnswers, type ReadAnswer, writeAnswers } from './read-answers.js';

export type ReadBackend = 'sqlite' | 'postgres';

/** One backend's data for the reads, seeded once per run, and what Parley answered to each read. */
export interface ReadDataset {
  backend: ReadBackend;
  database: BenchDatabase;
  answers: ReadAnswer[];
  /** The captured answers, as the bare server reads them. */
  answersFile: string;
}

const datasets = new Map<string, Promise<ReadDataset>>();

/** The backend's read data set, made on first use (through the API) and shared by the figures and the profiles. */
export function readDataset(backend: string, settings: BenchSettings, log: (line: string) => void) {
  if (backend !== 'sqlite' && backend !== 'postgres')
    throw new Error(`reads run on sqlite or postgres, not ${backend}`);
  let dataset = datasets.get(backend);
  if (dataset === undefined) {
    dataset = seedDataset(backend, settings, log);
    datasets.set(backend, dataset);
  }
  return dataset;
}

export async function readBackendAvailable(backend: string): Promise<boolean> {
  return backend !== 'postgres' || postgresReachable();
}

async function seedDataset(
  backend: ReadBackend,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<ReadDataset> {
  const started = performance.now();
  const database =
    backend === 'sqlite' ? sqliteDatabase(`reads-${process.pid}.db`) : await createPostgresDatabase('reads');
  const server = await startParley(database.url, settings.logLevel);
  let answers: ReadAnswer[];
  try {
    const reads = await seedReads(server.url);
    // The statistics autovacuum would gather within a minute: without them the planner may sort a whole
    // chat for a page, and the plan would change between two rounds.
    if (backend === 'postgres') await database.execute('VACUUM ANALYZE');
    answers = await captureAnswers(server.url, reads);
  } finally {
    await server.stop();
  }
  const answersFile = path.join(outDir('reads'), `answers-${backend}-${process.pid}.json`);
  writeAnswers(answersFile, answers);
  const sizes = answers.map(({ read, bytes, items }) => `${read.name} ${items} items, ${bytes.length} bytes`);
  log(
    `seeded the ${backend} reads through the API in ${((performance.now() - started) / 1000).toFixed(1)} s: ${sizes.join('; ')}`,
  );
  return { backend, database, answers, answersFile };
}

/** A server that answers the reads: Parley of some build, or the bare server answering Parley's bytes. */
export interface ReadTarget {
  name: string;
  start(dataset: ReadDataset, settings: BenchSettings): Promise<Server>;
}

export const READ_TARGETS: Record<string, ReadTarget> = {
  ceiling: {
    name: 'ceiling (node:http, same bytes)',
    start: (dataset) => startCeiling('read-ceiling-server.ts', [dataset.answersFile]),
  },
  // Diagnostics, run only when named in BENCH_READ_TARGETS: Fastify alone, from memory.
  fastify: {
    name: 'Fastify alone, Parley’s schemas',
    start: (dataset) => startCeiling('read-fastify-server.ts', [dataset.answersFile, 'entities']),
  },
  'fastify-bytes': {
    name: 'Fastify alone, bytes as captured',
    start: (dataset) => startCeiling('read-fastify-server.ts', [dataset.answersFile, 'bytes']),
  },
  parley: {
    name: 'Parley',
    start: (dataset, settings) => startParley(dataset.database.url, settings.logLevel),
  },
  baseline: {
    name: 'Parley, baseline build',
    start: (dataset, settings) => startParley(dataset.database.url, settings.logLevel, [], {}, BASELINE_DIST),
  },
};

/** The targets of each round, in order; the baseline build only when BENCH_BASELINE_DIST names one. */
export function readTargetNames(settings: BenchSettings): string[] {
  for (const name of settings.readTargets) {
    if (READ_TARGETS[name] === undefined)
      throw new Error(`unknown read target ${name}; known: ${Object.keys(READ_TARGETS)}`);
  }
  if (!settings.readTargets.includes('ceiling')) throw new Error('BENCH_READ_TARGETS must name the ceiling');
  return settings.readTargets.filter((name) => name !== 'baseline' || BASELINE_DIST !== undefined);
}

/**
 * Starts `target` on the data set, checks that it answers every read with the captured bytes, and
 * hands it to `use`; stops it however that ends.
 */
export async function withReadServer<T>(
  target: ReadTarget,
  dataset: ReadDataset,
  settings: BenchSettings,
  use: (server: Server) => Promise<T>,
): Promise<T> {
  const server = await target.start(dataset, settings);
  try {
    await checkSameAnswers(server.url, dataset.answers, `${target.name} on ${dataset.backend}`);
    return await use(server);
  } finally {
    await server.stop();
  }
}

/** One read asked at full concurrency: an unmeasured warm-up, then the measured run. */
export async function loadRead(server: Server, read: ReadRequest, settings: BenchSettings): Promise<LoadResult> {
  const spec = {
    url: server.url,
    path: read.path,
    bodies: [read.body],
    connections: settings.connections,
    watch: [server.pid],
    generator: settings.generator,
  };
  await runLoad({ ...spec, seconds: settings.warmup });
  return runLoad({ ...spec, seconds: settings.duration });
}
