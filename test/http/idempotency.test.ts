import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

for (const { backend, available, service } of backends) {
  describeWithService(`Idempotency-Key on ${backend.name}`, available, service, () => {
    test('a retry with the same key and body answers the first 201 again and creates nothing', async (t) => {
      const api = await startApi(t, backend);
      const first = await api.post('/users/add', { username: 'ann' }, { 'idempotency-key': 'u-1' });
      const again = await api.post('/users/add', { username: 'ann' }, { 'idempotency-key': 'u-1' });
      assert.equal(again.status, 201);
      assert.deepEqual(again.body, first.body);
      const ann = (first.body as { id: string }).id;
      const bob = await api.user('bob');
      const chatBody = { name: 'room', users: [ann, bob] };
      const chat = await api.post('/chats/add', chatBody, { 'idempotency-key': 'c-1' });
      assert.deepEqual((await api.post('/chats/add', chatBody, { 'idempotency-key': 'c-1' })).body, chat.body);
      const chatId = (chat.body as { id: string }).id;
      // The same request, spelled differently: ids as numbers, a repeated member.
      const respelled = { name: 'room', users: [Number(ann), bob, ann] };
      assert.deepEqual((await api.post('/chats/add', respelled, { 'idempotency-key': 'c-1' })).body, chat.body);
      const message = { chat: chatId, author: ann, text: 'hi' };
      const sent = await api.post('/messages/add', message, { 'idempotency-key': 'm-1' });
      assert.deepEqual((await api.post('/messages/add', message, { 'idempotency-key': 'm-1' })).body, sent.body);
      assert.equal(((await api.post('/messages/get', { chat: chatId })).body as unknown[]).length, 1);
      assert.equal(((await api.post('/chats/get', { user: ann })).body as unknown[]).length, 1);
    });

    test('the same key with another body is a 422 and creates nothing', async (t) => {
      const api = await startApi(t, backend);
      await api.post('/users/add', { username: 'ann' }, { 'idempotency-key': 'k' });
      assertProblem(
        await api.post('/users/add', { username: 'eve' }, { 'idempotency-key': 'k' }),
        422,
        /Idempotency-Key "k" was first used for a different request/,
      );
      assert.equal((await api.post('/users/add', { username: 'eve' })).status, 201, 'eve was not created by the 422');
    });

    test('a malformed key is a 400 naming the header', async (t) => {
      const api = await startApi(t, backend);
      assertProblem(
        await api.post('/users/add', { username: 'ann' }, { 'idempotency-key': 'x'.repeat(256) }),
        400,
        /the Idempotency-Key header must be at most 255 characters/,
      );
      assertProblem(
        await api.post('/users/add', { username: 'ann' }, { 'idempotency-key': 'ключ' }),
        400,
        /the Idempotency-Key header must be printable ASCII/,
      );
      assert.equal((await api.post('/users/add', { username: 'ann' })).status, 201);
    });

    test('a burst of requests with one key creates exactly one message', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const chat = await api.chat('room', [a, await api.user('b')]);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.post('/messages/add', { chat, author: a, text: 'once' }, { 'idempotency-key': 'burst' }),
        ),
      );
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
      assert.equal(new Set(answers.map((answer) => (answer.body as { id: string }).id)).size, 1);
      assert.equal(((await api.post('/messages/get', { chat })).body as unknown[]).length, 1);
    });
  });
}
