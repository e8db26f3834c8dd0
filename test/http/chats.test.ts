import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

for (const { backend, available, service } of backends) {
  describeWithService(`/chats/add and /chats/get on ${backend.name}`, available, service, () => {
    test('a chat is created between users and listed with all its fields', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const chat = await api.chat('chat_1', [a, b]);
      const answer = await api.post('/chats/get', { user: b });
      assert.equal(answer.status, 200);
      const [listed] = answer.body as Array<Record<string, unknown>>;
      assert.deepEqual(Object.keys(listed ?? {}).sort(), [
        'created_at',
        'id',
        'last_message_at',
        'last_read',
        'name',
        'unread',
        'users',
      ]);
      assert.equal(listed?.id, chat);
      assert.equal(listed?.name, 'chat_1');
      assert.deepEqual(listed?.users, [a, b]);
      assert.match(String(listed?.created_at), ISO_MS);
      assert.equal(listed?.last_message_at, null);
    });

    test('ids may be sent as JSON integers and a repeated member counts once', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const c = await api.user('c');
      await api.chat('room', [Number(a), b, a, Number(c)]);
      const [listed] = (await api.post('/chats/get', { user: Number(c) })).body as Array<{ users: string[] }>;
      assert.deepEqual(listed?.users, [a, b, c]);
    });

    test('a chat needs at least 2 distinct users', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      assertProblem(await api.post('/chats/add', { name: 'solo', users: [a, a] }), 400, /at least 2 distinct/);
      assertProblem(await api.post('/chats/add', { name: 'solo', users: [a] }), 400, /users must list at least 2/);
      assertProblem(await api.post('/chats/add', { name: 'solo', users: [] }), 400, /users must list at least 2/);
      assertProblem(await api.post('/chats/add', { name: 'solo', users: a }), 400, /users must be an array/);
      assertProblem(await api.post('/chats/add', { name: 'solo' }), 400, /users is required/);
    });

    test('a chat naming an unknown user is a 404 and leaves nothing behind', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      assertProblem(await api.post('/chats/add', { name: 'room', users: [a, '999999', b] }), 404, /user 999999/);
      assert.deepEqual((await api.post('/chats/get', { user: a })).body, []);
      assert.equal((await api.post('/chats/add', { name: 'room', users: [a, b] })).status, 201);
    });

    test('a taken chat name is a 409; names are 1-128 characters', async (t) => {
      const api = await startApi(t, backend);
      const users = [await api.user('a'), await api.user('b')];
      await api.chat('room', users);
      assertProblem(await api.post('/chats/add', { name: 'room', users }), 409, /chat name "room" is taken/);
      assertProblem(await api.post('/chats/add', { name: '', users }), 400, /name must be at least 1/);
      assertProblem(await api.post('/chats/add', { name: 'x'.repeat(129), users }), 400, /name must be at most 128/);
      assert.equal((await api.post('/chats/add', { name: '🎉'.repeat(128), users })).status, 201);
      assertProblem(await api.post('/chats/add', { name: 7, users }), 400, /name must be a string/);
    });

    test("a user's chats are ordered by their latest message, quiet chats after, newest first", async (t) => {
      const api = await startApi(t, backend);
      const me = await api.user('me');
      const you = await api.user('you');
      const quiet = await api.chat('quiet', [me, you]);
      const older = await api.chat('older', [me, you]);
      const newer = await api.chat('newer', [me, you]);
      const quieter = await api.chat('quieter', [me, you]);
      await api.message(newer, me, 'first');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await api.message(older, you, 'then');
      const chats = (await api.post('/chats/get', { user: me })).body as Array<{ id: string; last_message_at: string }>;
      assert.deepEqual(
        chats.map((chat) => chat.id),
        [older, newer, quieter, quiet],
      );
      assert.match(chats[0]?.last_message_at ?? '', ISO_MS);
    });

    test('a user in no chat gets an empty list; an unknown user is a 404', async (t) => {
      const api = await startApi(t, backend);
      const lonely = await api.user('lonely');
      const answer = await api.post('/chats/get', { user: lonely });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, []);
      assertProblem(await api.post('/chats/get', { user: '424242' }), 404, /user 424242 does not exist/);
      assertProblem(await api.post('/chats/get', { user: '9999999999999999999' }), 404, /does not exist/);
      assertProblem(await api.post('/chats/get', {}), 400, /user is required/);
      assertProblem(await api.post('/chats/get', { user: 'abc' }), 400, /user must be an id/);
      assertProblem(await api.post('/chats/get', { user: -1 }), 400, /user must be an id/);
      assertProblem(await api.post('/chats/get', { user: 1.5 }), 400, /user must be an id/);
    });
  });
}
