import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { mysqlVersion, postgresVersion } from './databases.js';
import { REPO_DIR } from './paths.js';
import { PARLEY_DIST } from './processes.js';

/** One line naming what the figures were measured on, and which code. */
export async function describeMachine(): Promise<string> {
  return [
    `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    await postgresVersion(),
    await mysqlVersion(),
    `code ${revision()}`,
  ].join(', ');
}

/** The commit measured, and whether src/ had uncommitted changes (the build is of the working tree). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    const build = process.env.BENCH_DIST ? `; Parley measured from ${path.relative(REPO_DIR, PARLEY_DIST)}` : '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted src/ changes' : ''}${build}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
