import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

/** More than one read's worth (1,000), so that a whole history is streamed in several chunks. */
const LONG = 2_345;

for (const { backend, available, service } of backends) {
  describeWithService(`a long history on ${backend.name}`, available, service, () => {
    test('is answered whole and in order without a limit, before or after any message', async (t) => {
      const api = await startApi(t, backend);
      const a = await api.user('a');
      const chat = await api.chat('long', [a, await api.user('b')]);
      const ids: string[] = [];
      for (let start = 0; start < LONG; start += 100) {
        const batch = Array.from({ length: Math.min(100, LONG - start) }, (_, i) =>
          api.message(chat, a, `message ${start + i}`),
        );
        for (const id of await Promise.all(batch)) ids.push(id);
      }
      // Posted concurrently: ids follow the order in which they were committed, not the order of the calls.
      const order = [...ids].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      const stored = (await api.post('/messages/get', { chat, limit: 1000, before: order[LONG - 1] })).body as Array<{
        id: string;
      }>;
      assert.deepEqual(
        stored.map((m) => m.id),
        order.slice(LONG - 1001, LONG - 1),
      );

      const whole = await api.post('/messages/get', { chat });
      assert.equal(whole.status, 200);
      assert.match(String(whole.headers['content-type']), /^application\/json/);
      const all = (whole.body as Array<{ id: string; text: string; chat: string }>).map((m) => m.id);
      assert.deepEqual(all, order);
      const before = (await api.post('/messages/get', { chat, before: order[2000] })).body as Array<{ id: string }>;
      assert.deepEqual(
        before.map((m) => m.id),
        order.slice(0, 2000),
      );
      const after = (await api.post('/messages/get', { chat, after: order[100] })).body as Array<{ id: string }>;
      assert.deepEqual(
        after.map((m) => m.id),
        order.slice(101),
      );
    });
  });
}
