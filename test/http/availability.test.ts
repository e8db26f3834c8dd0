import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { ReadyStorage } from '../../src/storage/ready-storage.js';
import { type Answer, ApiClient } from '../support/api.js';
import { describeWithService } from '../support/databases.js';
import { networkBackends } from '../support/network-backends.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const until = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting until ${what}`);
};

const assertUnavailable = (answer: Answer) => {
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  assert.equal(answer.headers['retry-after'], '1');
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
};

for (const backend of networkBackends) {
  describeWithService(`availability on ${backend.name}`, backend.available, backend.service, () => {
    test('a server started before its database answers 503 with Retry-After, then serves once it is up', async (t) => {
      const database = await backend.createScratchDatabase();
      const proxy = await TcpProxy.start(backend.host, backend.port, { open: false });
      const storage = new ReadyStorage(
        backend.storageAt(database.url.replace(backend.authority, `127.0.0.1:${proxy.port}`)),
      );
      const api = new ApiClient(buildApp({ storage }));
      t.after(async () => {
        await api.app.close();
        await storage.close();
        await proxy.close();
        await database.drop();
      });

      assertUnavailable(await api.post('/users/add', { username: 'early' }));
      assertUnavailable(await api.post('/chats/get', { user: '1' }));
      const notReady = await api.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(notReady.statusCode, 503);

      proxy.restore();
      await until('the schema is migrated and users can be added', async () => {
        const answer = await api.post('/users/add', { username: 'early' });
        assert.ok([201, 503].includes(answer.status), `only 201 or 503, got ${answer.status}`);
        return answer.status === 201;
      });
      assert.equal((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    });

    test('a database that goes away mid-load gives 503s, never 500s, loses no acknowledged write, and comes back', async (t) => {
      const database = await backend.createScratchDatabase();
      const proxy = await TcpProxy.start(backend.host, backend.port);
      const storage = new ReadyStorage(
        backend.storageAt(database.url.replace(backend.authority, `127.0.0.1:${proxy.port}`)),
      );
      const api = new ApiClient(buildApp({ storage }));
      t.after(async () => {
        await api.app.close();
        await storage.close();
        await proxy.close();
        await database.drop();
      });
      const a = await api.user('a');
      const b = await api.user('b');
      const chat = await api.chat('room', [a, b]);

      const statuses = new Map<number, number>();
      const acknowledged: string[] = [];
      let running = true;
      const writer = async (id: number) => {
        for (let i = 0; running; i++) {
          const answer = await api.post('/messages/add', { chat, author: id % 2 ? a : b, text: `w${id}-${i}` });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 201) acknowledged.push((answer.body as { id: string }).id);
          else await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const writers = Array.from({ length: 8 }, (_, id) => writer(id));
      await new Promise((resolve) => setTimeout(resolve, 500));
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      proxy.restore();
      await until(
        'writes succeed again',
        async () => (await api.post('/messages/add', { chat, author: a, text: 'back' })).status === 201,
      );
      running = false;
      await Promise.all(writers);

      assert.deepEqual(
        [...statuses.keys()].filter((status) => status !== 201 && status !== 503),
        [],
      );
      assert.ok((statuses.get(503) ?? 0) > 0, 'the outage was seen');
      const stored = new Set(
        ((await api.post('/messages/get', { chat })).body as Array<{ id: string }>).map((m) => m.id),
      );
      assert.deepEqual(
        acknowledged.filter((id) => !stored.has(id)),
        [],
        'every acknowledged message is stored',
      );
      assert.equal(new Set(acknowledged).size, acknowledged.length);
    });
  });
}
