import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BenchDatabase, createPostgresDatabase, sqliteDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { type Probes, planData } from './plan.js';
import { loadPostgres } from './postgres-loader.js';
import { loadSqlite } from './sqlite-loader.js';

/** Bump when the plan or the loaders change: a kept SQLite data set of another version is rebuilt. */
const GENERATOR_VERSION = 1;

export type GeneratedBackend = 'sqlite' | 'postgres';

/** What was generated, beside the data: sizes, and the ids the benchmark reads. */
export interface Manifest {
  version: number;
  backend: GeneratedBackend;
  /** Messages besides the deep chat's. */
  size: number;
  deepChat: number;
  users: number;
  chats: number;
  memberships: number;
  messages: number;
  probes: Probes;
  seconds: number;
}

export interface Dataset {
  database: BenchDatabase;
  manifest: Manifest;
}

export interface DatasetOptions {
  backend: GeneratedBackend;
  size: number;
  deepChat: number;
  log: (line: string) => void;
  /** SQLite: reuse a kept file of the same version and sizes instead of writing it again. */
  reuse?: boolean;
  /** PostgreSQL: keep the database after the run (it is dropped at exit otherwise). */
  keep?: boolean;
}

/** `10k`, `1m`, `10M`, `2500` → a count. */
export function parseSize(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(raw.trim());
  if (!match) throw new Error(`a size is a count such as 10k, 1m or 2500, got ${raw}`);
  const unit = { '': 1, k: 1e3, m: 1e6 }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

/** Generates a data set (or finds the kept SQLite one) and returns where it is and what it holds. */
export async function generateDataset(options: DatasetOptions): Promise<Dataset> {
  const { backend, size, deepChat, log } = options;
  const label = `dataset-${size}-deep${deepChat}`;
  if (backend === 'sqlite') {
    const file = path.join(outDir('data'), `${label}.db`);
    const manifestFile = file.replace(/\.db$/, '.json');
    const database = sqliteDatabase(file, false);
    if (options.reuse && existsSync(file) && existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      if (manifest.version === GENERATOR_VERSION) {
        log(`reusing ${path.basename(file)} (${manifest.messages.toLocaleString('en-US')} messages)`);
        return { database, manifest };
      }
    }
    const manifest = await generate(options, (plan) => loadSqlite(file, plan, log));
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    return { database, manifest };
  }
  const database = await createPostgresDatabase(`ds${size}`, options.keep !== true);
  const manifest = await generate(options, (plan) => loadPostgres(database.url, plan, log));
  return { database, manifest };
}

async function generate(
  { backend, size, deepChat, log }: DatasetOptions,
  load: (plan: ReturnType<typeof planData>) => void | Promise<void>,
): Promise<Manifest> {
  const started = performance.now();
  log(
    `generating ${backend}: ${size.toLocaleString('en-US')} messages + a deep chat of ${deepChat.toLocaleString('en-US')}`,
  );
  const plan = planData(size, deepChat);
  log(`  planned in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await load(plan);
  const seconds = (performance.now() - started) / 1000;
  log(`  done in ${seconds.toFixed(1)} s`);
  return {
    version: GENERATOR_VERSION,
    backend,
    size,
    deepChat,
    users: plan.users,
    chats: plan.chats,
    memberships: plan.members.length,
    messages: plan.messageChat.length,
    probes: plan.probes,
    seconds,
  };
}
