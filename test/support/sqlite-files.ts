import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A database file in a directory of its own, removed with its WAL files by `remove`. */
export function scratchSqliteFile(): { file: string; remove(): void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-test-'));
  return {
    file: path.join(directory, 'parley.db'),
    remove: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}
