import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

for (const { backend, available, service } of backends) {
  describeWithService(`paging on ${backend.name}`, available, service, () => {
    test('a history is read newest page first with limit and before, each page oldest first', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const chat = await api.chat('room', [a, await api.user('b')]);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await api.message(chat, a, `m${i}`));
      const page = async (body: object) =>
        ((await api.post('/messages/get', { chat, ...body })).body as Array<{ id: string }>).map((m) => m.id);
      assert.deepEqual(await page({ limit: 5 }), ids.slice(7));
      assert.deepEqual(await page({ limit: 5, before: ids[7] }), ids.slice(2, 7));
      assert.deepEqual(await page({ limit: 5, before: Number(ids[2]) }), ids.slice(0, 2));
      assert.deepEqual(await page({ limit: 5, after: ids[6] }), ids.slice(7, 12));
      assert.deepEqual(await page({ after: ids[9] }), ids.slice(10));
      assert.deepEqual(await page({}), ids);
    });

    test('paging fields out of bounds are 400s that say which, never clamped', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const b = await api.user('b');
      const chat = await api.chat('room', [a, b]);
      const other = await api.chat('other', [a, b]);
      const mine = await api.message(chat, a, 'mine');
      const theirs = await api.message(other, a, 'theirs');
      assertProblem(await api.post('/messages/get', { chat, limit: 0 }), 400, /limit must be from 1 to 1000, got 0/);
      assertProblem(await api.post('/messages/get', { chat, limit: 1001 }), 400, /limit must be from 1 to 1000/);
      assertProblem(await api.post('/messages/get', { chat, limit: 2.5 }), 400, /limit must be an integer/);
      assertProblem(await api.post('/messages/get', { chat, limit: '10' }), 400, /limit must be an integer/);
      assertProblem(
        await api.post('/messages/get', { chat, before: mine, after: mine }),
        400,
        /before and after cannot be used together/,
      );
      assertProblem(await api.post('/messages/get', { chat, after: theirs }), 400, /after: message \d+ is not in chat/);
      assertProblem(
        await api.post('/messages/get', { chat, before: '987654' }),
        400,
        /before: message 987654 does not exist/,
      );
      assertProblem(await api.post('/messages/get', { chat, before: 'x' }), 400, /before must be/);
      assertProblem(await api.post('/chats/get', { user: a, limit: 0 }), 400, /limit must be from 1 to 1000/);
      assertProblem(
        await api.post('/chats/get', { user: a, cursor: 'garbage' }),
        400,
        /cursor is not one this server issued/,
      );
      assertProblem(await api.post('/chats/get', { user: a, cursor: '' }), 400, /cursor must be at least 1 character/);
    });

    test('walking a chat list with Next-Cursor lists every chat once, in the unpaged order', async (t) => {
      const api = await startApi(t, backend);
      const me = await api.user('me');
      const you = await api.user('you');
      for (let i = 0; i < 11; i++) {
        const chat = await api.chat(`chat ${i}`, [me, you]);
        if (i % 3 === 0) await api.message(chat, you, `hello ${i}`);
      }
      const whole = ((await api.post('/chats/get', { user: me })).body as Array<{ id: string }>).map((c) => c.id);
      const walked: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const answer = await api.post('/chats/get', { user: me, limit: 3, ...(cursor && { cursor }) });
        walked.push(...(answer.body as Array<{ id: string }>).map((c) => c.id));
        cursor = answer.headers['next-cursor'] as string | undefined;
        if (cursor === undefined) break;
      }
      assert.deepEqual(walked, whole);
      const firstPage = await api.post('/chats/get', { user: me, limit: 3 });
      const rest = await api.post('/chats/get', { user: me, cursor: firstPage.headers['next-cursor'] });
      assert.equal(rest.headers['next-cursor'], undefined, 'cursor without limit gives the rest');
      assert.deepEqual(
        (rest.body as Array<{ id: string }>).map((c) => c.id),
        whole.slice(3),
      );
      assertProblem(
        await api.post('/chats/get', { user: you, cursor: firstPage.headers['next-cursor'] }),
        400,
        /cursor belongs to another user's chat list/,
      );
    });
  });
}
