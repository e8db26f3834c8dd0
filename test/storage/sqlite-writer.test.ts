import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { ParleyError } from '../../src/model/errors.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { type ThreadStarter, WRITES_PER_MESSAGE, type WriterRequest } from '../../src/storage/sqlite/thread-writer.js';
import { startSourceThread } from '../support/source-threads.js';
import { scratchSqliteFile } from '../support/sqlite-files.js';

/** A storage on a scratch file whose writer threads the test can reach. */
function openWatched() {
  const scratch = scratchSqliteFile();
  const threads: Worker[] = [];
  const start: ThreadStarter = (entry, options) => {
    const worker = startSourceThread(entry, options);
    threads.push(worker);
    return worker;
  };
  const storage = openSqliteStorage(scratch.file, { startThread: start });
  return { storage, threads, scratch };
}

const countRows = (file: string, table: string) => {
  const db = openSqliteDatabase(file);
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
};

test('a write is read back at once through the reading connection', async () => {
  const { storage, scratch } = openWatched();
  try {
    const [ann, bob] = await Promise.all([storage.addUser('ann'), storage.addUser('bob')]);
    assert.ok(ann?.ok && bob?.ok);
    const chat = await storage.addChat('pair', [ann.id, bob.id]);
    assert.ok(chat.ok);
    const message = await storage.addMessage(chat.id, ann.id, 'hi');
    assert.ok(message.ok);
    const read = await storage.messageRun(chat.id, { direction: 'forward' });
    assert.ok(read.ok);
    assert.deepEqual(
      read.messages.map((m) => [m.id, m.text]),
      [[message.id, 'hi']],
    );
  } finally {
    await storage.close();
    scratch.remove();
  }
});

test('closing waits for the writes already submitted, which are then on disk', async () => {
  const { storage, scratch } = openWatched();
  try {
    const writes = Array.from({ length: 200 }, (_, i) => storage.addUser(`user ${i}`));
    const closed = storage.close();
    const results = await Promise.all(writes);
    await closed;
    assert.equal(results.filter((result) => result.ok).length, 200);
    assert.equal(countRows(scratch.file, 'users'), 200);
    await assert.rejects(storage.addUser('late'), (error) => error instanceof ParleyError);
  } finally {
    scratch.remove();
  }
});

test('a writer thread that dies fails its waiting writes as unavailable, and the next write starts another', async () => {
  const { storage, threads, scratch } = openWatched();
  try {
    assert.ok((await storage.addUser('before')).ok);
    // Submitted, then the thread ends before it can have answered: whether they committed is unknown.
    // Fewer than a full message, so that none goes over before the end of this turn.
    const waiting = Array.from({ length: WRITES_PER_MESSAGE - 1 }, (_, i) => storage.addUser(`during ${i}`));
    const ended = threads[0]?.terminate();
    const settled = await Promise.allSettled(waiting);
    await ended;
    for (const outcome of settled) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof ParleyError && outcome.reason.code === 'storage_unavailable');
    }
    const after = await storage.addUser('after');
    assert.ok(after.ok, 'a new thread takes the next write');
    assert.equal(threads.length, 2);
    // On Node.js 22 and 24 a thread told to stop may still take the message and commit it: the waiting
    // writes are one transaction, so they are all in the file or none is.
    const users = countRows(scratch.file, 'users');
    assert.ok([2, 2 + waiting.length].includes(users), `all of the batch or none of it, got ${users} users`);
  } finally {
    await storage.close();
    scratch.remove();
  }
});

test('the writes of a long turn go over in full messages as they come, and each gets its own answer', async () => {
  const { storage, threads, scratch } = openWatched();
  try {
    await storage.migrate();
    const worker = threads[0] as Worker;
    const sizes: number[] = [];
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (request: WriterRequest) => {
      if ('commands' in request) sizes.push(request.commands.length);
      post(request);
    };
    const count = 2 * WRITES_PER_MESSAGE + 3;
    const writes = Array.from({ length: count }, (_, i) => storage.addUser(`user ${i}`));
    // Two full messages left during the turn itself; the rest waits for its end.
    assert.deepEqual(sizes, [WRITES_PER_MESSAGE, WRITES_PER_MESSAGE]);
    const results = await Promise.all(writes);
    assert.deepEqual(sizes, [WRITES_PER_MESSAGE, WRITES_PER_MESSAGE, 3]);
    const ids = results.map((result) => (result.ok ? Number(result.id) : Number.NaN));
    assert.deepEqual(
      ids,
      ids.map((_, i) => (ids[0] as number) + i),
      'one id each, in the order written',
    );
    assert.equal(countRows(scratch.file, 'users'), count);
  } finally {
    await storage.close();
    scratch.remove();
  }
});
