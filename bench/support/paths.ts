import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(BENCH_DIR);
/** Everything a run writes (databases, results, profiles); git-ignored. */
export const OUT_DIR = path.join(BENCH_DIR, 'out');

/** A folder under bench/out/, created if missing. */
export function outDir(...parts: string[]): string {
  const dir = path.join(OUT_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
