import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

for (const { backend, available, service } of backends) {
  describeWithService(`/chats/read and read state on ${backend.name}`, available, service, () => {
    test('a chat shows each member how many messages wait unread, and /chats/read clears them', async (t) => {
      const api = await startApi(t, backend);
      const [ann, bob] = [await api.user('ann'), await api.user('bob')];
      const chat = await api.chat('pair', [ann, bob]);
      const first = await api.message(chat, ann, 'one');
      const second = await api.message(chat, ann, 'two');
      const listOf = async (user: string) =>
        ((await api.post('/chats/get', { user })).body as Array<{ last_read: string | null; unread: number }>)[0];
      assert.deepEqual([(await listOf(bob))?.last_read, (await listOf(bob))?.unread], [null, 2]);
      assert.deepEqual([(await listOf(ann))?.last_read, (await listOf(ann))?.unread], [second, 0]);

      const partly = await api.post('/chats/read', { chat, user: bob, message: first });
      assert.equal(partly.status, 200);
      assert.deepEqual(partly.body, { chat, user: bob, last_read: first, unread: 1 });
      const back = await api.post('/chats/read', { chat: Number(chat), user: Number(bob), message: Number(first) });
      assert.deepEqual(back.body, { chat, user: bob, last_read: first, unread: 1 });
      const all = await api.post('/chats/read', { chat, user: bob, message: null });
      assert.deepEqual(all.body, { chat, user: bob, last_read: second, unread: 0 });
      assert.deepEqual([(await listOf(bob))?.last_read, (await listOf(bob))?.unread], [second, 0]);
    });

    test('refusals come in the order the API promises, and change nothing', async (t) => {
      const api = await startApi(t, backend);
      const [ann, bob, eve] = [await api.user('ann'), await api.user('bob'), await api.user('eve')];
      const chat = await api.chat('pair', [ann, bob]);
      const other = await api.chat('other', [ann, eve]);
      const mine = await api.message(chat, ann, 'mine');
      const elsewhere = await api.message(other, ann, 'elsewhere');
      assertProblem(await api.post('/chats/read', { chat: '999999', user: '999999' }), 404, /chat 999999/);
      assertProblem(await api.post('/chats/read', { chat, user: '999999', message: '999999' }), 404, /user 999999/);
      assertProblem(await api.post('/chats/read', { chat, user: eve, message: '999999' }), 404, /message 999999/);
      assertProblem(await api.post('/chats/read', { chat, user: eve, message: mine }), 403, /not a member/);
      assertProblem(
        await api.post('/chats/read', { chat, user: bob, message: elsewhere }),
        400,
        new RegExp(`message ${elsewhere} is not in chat ${chat}`),
      );
      assertProblem(await api.post('/chats/read', { chat, user: '0' }), 404, /user 0/);
      for (const body of [
        {},
        { chat },
        { user: bob },
        { chat, user: bob, message: 'seven' },
        { chat, user: bob, message: -1 },
        { chat, user: bob, message: [mine] },
        { chat: true, user: bob },
        { chat, user: 1.5 },
        [chat, bob],
        'read',
      ]) {
        const answer = await api.post('/chats/read', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
      const listed = ((await api.post('/chats/get', { user: bob })).body as Array<{ unread: number }>)[0];
      assert.equal(listed?.unread, 1);
    });

    test('/chats/read takes POST only', async (t) => {
      const api = await startApi(t, backend);
      const answer = await api.app.inject({ method: 'GET', url: '/chats/read' });
      assert.equal(answer.statusCode, 405);
      assert.equal(answer.headers.allow, 'POST');
    });
  });
}
