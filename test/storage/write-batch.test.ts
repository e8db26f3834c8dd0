import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { WriteBatch } from '../../src/storage/sqlite/write-batch.js';

const setup = () => {
  const db = openSqliteDatabase(':memory:');
  db.exec('CREATE TABLE t (v INTEGER NOT NULL UNIQUE)');
  const sizes: number[] = [];
  const batch = new WriteBatch(db, (size) => sizes.push(size));
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const values = () => db.prepare('SELECT v FROM t ORDER BY v').pluck().all();
  return { db, batch, insert, sizes, values };
};

test('writes submitted together share one commit', async () => {
  const { batch, insert, sizes, values } = setup();
  await Promise.all([1, 2, 3, 4].map((v) => batch.submit(() => insert.run(v))));
  assert.deepEqual(sizes, [1 * 4]);
  assert.deepEqual(values(), [1, 2, 3, 4]);
});

test('a lone write commits on the same turn, without waiting for company', async () => {
  const { batch, insert, sizes } = setup();
  await batch.submit(() => insert.run(1));
  await batch.submit(() => insert.run(2));
  assert.deepEqual(sizes, [1, 1]);
});

test('a failing write is rolled back alone and its neighbours commit', async () => {
  const { batch, insert, values } = setup();
  const results = await Promise.allSettled([
    batch.submit(() => insert.run(1)),
    batch.submit(() => {
      insert.run(2);
      insert.run(1); // duplicate: this write fails after writing 2
    }),
    batch.submit(() => insert.run(3)),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(values(), [1, 3]);
});

test('a failed commit rejects every write of the batch', async () => {
  const { db, batch, insert, values } = setup();
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
  db.exec('CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
  const orphan = db.prepare('INSERT INTO child (parent) VALUES (42)');
  const results = await Promise.allSettled([batch.submit(() => insert.run(1)), batch.submit(() => orphan.run())]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  assert.deepEqual(values(), []);
});
