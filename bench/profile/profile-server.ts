import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchSettings } from '../settings.js';
import { freshSqlite, measureParley, type TargetRun } from '../suites/add-message-targets.js';
import { type BenchDatabase, createPostgresDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { type ProfileSummary, summarizeProfile } from './summarize.js';

export interface ServerProfile {
  backend: string;
  file: string;
  run: TargetRun;
  summary: ProfileSummary;
}

const DATABASES: Record<string, () => Promise<BenchDatabase>> = {
  sqlite: async () => freshSqlite(),
  postgres: () => createPostgresDatabase('profile'),
};

/**
 * The /messages/add run of one backend once more, unmeasured, with the server under `node --cpu-prof`:
 * where its time goes. The profile covers the whole life of the process (start-up, seeding and warm-up
 * included) and is written when the server exits.
 */
export async function profileAddMessage(backend: string, settings: BenchSettings): Promise<ServerProfile> {
  const create = DATABASES[backend];
  if (create === undefined) throw new Error(`cannot profile ${backend}; known: ${Object.keys(DATABASES)}`);
  const dir = outDir('profiles', `${backend}-${new Date().toISOString().replaceAll(':', '-')}`);
  const run = await measureParley(create, settings, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const profiles = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (profiles.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${profiles.length}`);
  const file = path.join(dir, profiles[0] as string);
  return { backend, file, run, summary: summarizeProfile(file) };
}
