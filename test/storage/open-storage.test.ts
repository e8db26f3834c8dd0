import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { storageOpener } from '../../src/storage/open-storage.js';
import { startSourceThread } from '../support/source-threads.js';
import { scratchSqliteFile } from '../support/sqlite-files.js';

/** The drivers of this process's module cache (CommonJS packages imported from ES modules land there too). */
const loadedDrivers = () =>
  Object.keys(createRequire(import.meta.url).cache).flatMap((file) => {
    const match = /\/node_modules\/(pg|mysql2|ioredis)\//.exec(file);
    return match ? [match[1]] : [];
  });

test('an SQLite server loads no other database driver, nor Redis', async () => {
  const scratch = scratchSqliteFile();
  assert.deepEqual(loadedDrivers(), [], 'nothing loaded them before');
  const storage = (await storageOpener({ kind: 'sqlite', file: scratch.file }))({ startThread: startSourceThread });
  try {
    const user = await storage.addUser('ann');
    assert.ok(user.ok, 'the storage it opened works');
    assert.deepEqual(loadedDrivers(), []);
  } finally {
    await storage.close();
    scratch.remove();
  }
});

test('a PostgreSQL or MySQL setting loads its own driver', async () => {
  // Opening is enough: the network database is reached lazily, and none needs to answer here.
  await storageOpener({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' });
  await storageOpener({ kind: 'mysql', url: 'mysql://nobody@127.0.0.1:1/none' });
  assert.deepEqual([...new Set(loadedDrivers())].sort(), ['mysql2', 'pg']);
});
