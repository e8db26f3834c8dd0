import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

for (const { backend, available, service } of backends) {
  describeWithService(`/messages/add and /messages/get on ${backend.name}`, available, service, () => {
    test('a member posts, and the chat lists the message with all its fields', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const chat = await api.chat('room', [a, b]);
      const id = await api.message(chat, b, 'hi');
      const answer = await api.post('/messages/get', { chat });
      assert.equal(answer.status, 200);
      const [message] = answer.body as Array<Record<string, unknown>>;
      assert.deepEqual(message, { id, chat, author: b, text: 'hi', created_at: message?.created_at });
      assert.match(String(message?.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const [listed] = (await api.post('/chats/get', { user: a })).body as Array<{ last_message_at: string }>;
      assert.equal(listed?.last_message_at, message?.created_at);
    });

    test('messages are listed oldest first', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const chat = await api.chat('room', [a, b]);
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push(await api.message(chat, i % 2 ? a : b, `message ${i}`));
      const listed = (await api.post('/messages/get', { chat })).body as Array<{ id: string; text: string }>;
      assert.deepEqual(
        listed.map((message) => message.id),
        ids,
      );
    });

    test('a user outside the chat cannot post in it', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const outsider = await api.user('outsider');
      const chat = await api.chat('room', [a, b]);
      assertProblem(
        await api.post('/messages/add', { chat, author: outsider, text: 'let me in' }),
        403,
        new RegExp(`user ${outsider} is not a member of chat ${chat}`),
      );
      assert.deepEqual((await api.post('/messages/get', { chat })).body, []);
    });

    test('an unknown chat or author is a 404', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const chat = await api.chat('room', [a, await api.user('b')]);
      assertProblem(await api.post('/messages/add', { chat: '777', author: a, text: 'x' }), 404, /chat 777/);
      assertProblem(await api.post('/messages/add', { chat, author: '777', text: 'x' }), 404, /user 777/);
      assertProblem(await api.post('/messages/get', { chat: '777' }), 404, /chat 777 does not exist/);
      assertProblem(await api.post('/messages/get', { chat: '1234567890123456789' }), 404, /does not exist/);
    });

    test('text is 1 to 65,536 characters, kept exactly, and may not hold NUL', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const chat = await api.chat('room', [a, await api.user('b')]);
      const longest = '𝔘'.repeat(65_536);
      const odd = '  line\r\n\ttab "quoted" \\ <b>html</b> \u2028 👩‍👩‍👧 ';
      await api.message(chat, a, longest);
      await api.message(chat, a, odd);
      const texts = ((await api.post('/messages/get', { chat })).body as Array<{ text: string }>).map((m) => m.text);
      assert.deepEqual(texts, [longest, odd]);
      assertProblem(await api.post('/messages/add', { chat, author: a, text: '' }), 400, /text must be at least 1/);
      assertProblem(
        await api.post('/messages/add', { chat, author: a, text: 'x'.repeat(65_537) }),
        400,
        /text must be at most 65536 characters long, got 65537/,
      );
      assertProblem(await api.post('/messages/add', { chat, author: a, text: 'a\u0000' }), 400, /NUL/);
      assertProblem(await api.post('/messages/add', { chat, author: a, text: '\ud83d' }), 400, /unpaired surrogate/);
      assertProblem(await api.post('/messages/add', { chat, author: a, text: 5 }), 400, /text must be a string/);
      assertProblem(await api.post('/messages/add', { chat, author: a }), 400, /text is required/);
      assertProblem(await api.post('/messages/add', { author: a, text: 'x' }), 400, /chat is required/);
      assert.equal(((await api.post('/messages/get', { chat })).body as unknown[]).length, 2);
    });
  });
}
