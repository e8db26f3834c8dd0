import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchSettings } from '../settings.js';
import { freshSqlite, measureParley, type TargetRun } from '../suites/add-message-targets.js';
import { type BenchDatabase, createPostgresDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { type ProfileSummary, summarizeProfile } from './summarize.js';

export interface ThreadProfile {
  /** `main thread` for the event loop; `worker thread N` for a worker thread (SQLite's writer). */
  thread: string;
  file: string;
  summary: ProfileSummary;
}

export interface ServerProfile {
  backend: string;
  run: TargetRun;
  threads: ThreadProfile[];
}

/** Node names each thread's profile CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile. */
const threadOf = (name: string) => {
  const id = name.split('.').at(-3);
  return id === '0' ? 'main thread' : `worker thread ${id}`;
};

/** The profile files of `dir`, one per thread, the main thread's first. */
export function threadProfiles(dir: string): { thread: string; file: string }[] {
  const threads = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ thread: threadOf(name), file: path.join(dir, name) }))
    .sort((a, b) => Number(b.thread === 'main thread') - Number(a.thread === 'main thread'));
  if (threads[0]?.thread !== 'main thread') throw new Error(`no profile of the main thread in ${dir}`);
  return threads;
}

const DATABASES: Record<string, () => Promise<BenchDatabase>> = {
  sqlite: async () => freshSqlite(),
  postgres: () => createPostgresDatabase('profile'),
};

/**
 * The /messages/add run of one backend once more, unmeasured, with the server under `node --cpu-prof`:
 * where its time goes. The profile covers the whole life of the process (start-up, seeding and warm-up
 * included) and is written when the server exits, one file per thread.
 */
export async function profileAddMessage(backend: string, settings: BenchSettings): Promise<ServerProfile> {
  const create = DATABASES[backend];
  if (create === undefined) throw new Error(`cannot profile ${backend}; known: ${Object.keys(DATABASES)}`);
  const dir = outDir('profiles', `${backend}-${new Date().toISOString().replaceAll(':', '-')}`);
  const run = await measureParley(create, settings, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const threads = threadProfiles(dir).map(({ thread, file }) => ({ thread, file, summary: summarizeProfile(file) }));
  return { backend, run, threads };
}
