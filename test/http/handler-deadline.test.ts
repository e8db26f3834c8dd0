import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddMessageResult, Storage } from '../../src/chat/storage-port.js';
import { composeApp } from '../../src/server.js';
import { ApiClient } from '../support/api.js';
import { sqlite } from '../support/backends.js';

const DEADLINE_MS = 300;

/** A storage whose /messages/add waits until the test lets it go, as a database cut off by a partition would. */
async function stalledStorage() {
  const database = await sqlite.open();
  const released: Array<() => void> = [];
  const storage: Storage = Object.create(database.storage, {
    addMessage: {
      value: (...args: Parameters<Storage['addMessage']>) =>
        new Promise<AddMessageResult>((resolve, reject) => {
          released.push(() => database.storage.addMessage(...args).then(resolve, reject));
        }),
    },
  });
  const release = () => {
    for (const go of released.splice(0)) go();
  };
  return { storage, release, close: () => database.close() };
}

test('a handler still waiting at its deadline is answered 503 with Retry-After; its late result is dropped', async (t) => {
  const { storage, release, close } = await stalledStorage();
  const api = new ApiClient(composeApp({ storage, timeouts: { handler: DEADLINE_MS } }));
  t.after(async () => {
    await api.app.close();
    await close();
  });
  const a = await api.user('a');
  const chat = await api.chat('room', [a, await api.user('b')]);

  const started = performance.now();
  const answers = await Promise.all([1, 2, 3].map((n) => api.post('/messages/add', { chat, author: a, text: `${n}` })));
  const waited = performance.now() - started;
  for (const answer of answers) {
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.equal(answer.headers['retry-after'], '1');
    assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
    assert.match((answer.body as { detail: string }).detail, /did not answer in time/);
  }
  assert.ok(waited >= DEADLINE_MS - 20 && waited < DEADLINE_MS + 1_000, `answered after ${Math.round(waited)} ms`);

  // The writes finish after their answers went out: nothing is sent twice, and the server goes on serving.
  release();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal((await api.post('/chats/get', { user: a })).status, 200);
  const history = (await api.post('/messages/get', { chat })).body as unknown[];
  assert.equal(history.length, 3, 'a 503 does not say the write failed: it may still land');
});

test('handlers that answer in time are not touched by the deadline, however many run at once', async (t) => {
  const database = await sqlite.open();
  const api = new ApiClient(composeApp({ storage: database.storage, timeouts: { handler: DEADLINE_MS } }));
  t.after(async () => {
    await api.app.close();
    await database.close();
  });
  const a = await api.user('a');
  const chat = await api.chat('room', [a, await api.user('b')]);
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) => api.post('/messages/add', { chat, author: a, text: `${round}-${n}` })),
    );
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
  }
  // Past the deadline of every request above: an idle app answers normally and nothing fires late.
  await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 100));
  const history = await api.post('/messages/get', { chat });
  assert.equal(history.status, 200);
  assert.equal((history.body as unknown[]).length, 150);
});
