import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import type { HttpTimeouts } from '../../src/http/app.js';
import { composeApp } from '../../src/server.js';
import { ReadyStorage } from '../../src/storage/ready-storage.js';
import { type Answer, ApiClient } from '../support/api.js';
import { describeWithService } from '../support/databases.js';
import { faultSeed, scaled, seededRandom, sleep, until } from '../support/faults.js';
import { type NetworkBackend, networkBackends } from '../support/network-backends.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const SEED = faultSeed();
/** A failure ends the test instead of leaving it hanging. */
const TEST_TIMEOUT = { timeout: scaled(120_000, 600_000) };
const OUTAGES = scaled(2, 10);
const OUTAGE_MS = 1_500;
const USERS = 300;
const CHAT_WRITERS = 4;
const MESSAGE_WRITERS = 12;
const STALL_MS = 4_000;
/** The handler deadline in the partition test, short of the stall so that it shows. */
const HANDLER_MS = 1_500;

/** Chats whose last_message_at is not the time of their newest message (or not null without one), in SQL. */
const STALE_CHATS = `SELECT c.id FROM chats AS c
  LEFT JOIN (SELECT chat_id, MAX(created_at) AS newest FROM messages GROUP BY chat_id) AS n ON n.chat_id = c.id
  WHERE NOT ((c.last_message_at IS NULL AND n.newest IS NULL) OR c.last_message_at = n.newest)`;

const assertUnavailable = (answer: Answer) => {
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  assert.equal(answer.headers['retry-after'], '1');
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
};

/** An app whose database sits behind a proxy the test can cut, as main.ts opens a network database. */
async function proxiedApi(backend: NetworkBackend, options: { open: boolean; timeouts?: Partial<HttpTimeouts> }) {
  const database = await backend.createScratchDatabase();
  const proxy = await TcpProxy.start(backend.host, backend.port, options);
  const storage = new ReadyStorage(
    backend.storageAt(database.url.replace(backend.authority, `127.0.0.1:${proxy.port}`)),
  );
  const api = new ApiClient(composeApp({ storage, timeouts: options.timeouts }));
  const close = async () => {
    await api.app.close();
    await storage.close();
    await proxy.close();
    await database.drop();
  };
  return { api, proxy, database, close };
}

/** Every answer during the load: statuses, and any answer that broke the promise (not 2xx, not a proper 503). */
class Answers {
  readonly byStatus = new Map<number, number>();
  readonly broken: string[] = [];

  note(url: string, answer: Answer): void {
    this.byStatus.set(answer.status, (this.byStatus.get(answer.status) ?? 0) + 1);
    if (answer.status >= 200 && answer.status < 300) return;
    const proper =
      answer.status === 503 &&
      answer.headers['retry-after'] === '1' &&
      /^application\/problem\+json/.test(String(answer.headers['content-type']));
    if (!proper) this.broken.push(`${url} ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  count(status: number): number {
    return this.byStatus.get(status) ?? 0;
  }
}

interface OpenChat {
  id: string;
  members: string[];
}

for (const backend of networkBackends) {
  describeWithService(`outage of ${backend.name}`, backend.available, backend.service, () => {
    test(
      'a server started before its database answers 503 with Retry-After, then serves once it is up',
      TEST_TIMEOUT,
      async (t) => {
        const { api, proxy, close } = await proxiedApi(backend, { open: false });
        t.after(close);

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
      },
    );

    test(
      'a database cut mid-load: only 2xx or 503 with Retry-After, nothing acknowledged lost or half-written, and service resumes without a restart',
      TEST_TIMEOUT,
      async (t) => {
        const { api, proxy, database, close } = await proxiedApi(backend, { open: true });
        t.after(close);
        const random = seededRandom(SEED);
        const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
        const sample = (items: readonly string[], size: number) =>
          [...items]
            .map((item) => [random(), item] as const)
            .sort(([a], [b]) => a - b)
            .slice(0, size)
            .map(([, item]) => item);

        const users: string[] = [];
        for (let i = 0; i < USERS; i++) users.push(await api.user(`member ${i}`));
        /** The members each chat name was requested with, acknowledged or not. */
        const requested = new Map<string, string[]>();
        const open: OpenChat[] = [];
        for (let i = 0; i < 4; i++) {
          const members = sample(users, 20);
          requested.set(`before ${i}`, members);
          open.push({ id: await api.chat(`before ${i}`, members), members });
        }

        const answers = new Answers();
        const acknowledgedChats = new Map<string, string>();
        const acknowledgedMessages = new Map<string, { id: string; chat: string }>();
        let running = true;
        const chatWriter = async (writer: number) => {
          for (let i = 0; running; i++) {
            const name = `chat ${writer}-${i}`;
            const members = sample(users, 50 + Math.floor(random() * 200));
            requested.set(name, members);
            const answer = await api.post('/chats/add', { name, users: members });
            answers.note('/chats/add', answer);
            if (answer.status !== 201) {
              await sleep(20);
              continue;
            }
            const { id } = answer.body as { id: string };
            acknowledgedChats.set(name, id);
            open.push({ id, members });
          }
        };
        const messageWriter = async (writer: number) => {
          for (let i = 0; running; i++) {
            const chat = pick(open);
            const text = `message ${writer}-${i}`;
            const answer = await api.post('/messages/add', { chat: chat.id, author: pick(chat.members), text });
            answers.note('/messages/add', answer);
            if (answer.status === 201)
              acknowledgedMessages.set(text, { id: (answer.body as { id: string }).id, chat: chat.id });
            else await sleep(20);
          }
        };
        const writers = [
          ...Array.from({ length: CHAT_WRITERS }, (_, writer) => chatWriter(writer)),
          ...Array.from({ length: MESSAGE_WRITERS }, (_, writer) => messageWriter(writer)),
        ];

        const recoveries: number[] = [];
        let readyzDuringOutage = 0;
        for (let outage = 0; outage < OUTAGES; outage++) {
          await sleep(600);
          proxy.cut();
          await sleep(OUTAGE_MS / 2);
          const readyz = await api.app.inject({ method: 'GET', url: '/readyz' });
          readyzDuringOutage = readyz.statusCode;
          assert.equal(readyz.statusCode, 503, 'not ready while the database is cut off');
          await sleep(OUTAGE_MS / 2);
          const createdBefore = answers.count(201);
          const restored = Date.now();
          proxy.restore();
          await until('writes succeed again', async () => answers.count(201) > createdBefore + MESSAGE_WRITERS);
          recoveries.push(Date.now() - restored);
        }
        await sleep(300);
        running = false;
        await Promise.all(writers);
        assert.equal((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again');

        // What the database holds, read straight from it, not through the server.
        const memberRows = await backend.query(
          database.url,
          `SELECT c.id, c.name, m.user_id FROM chats AS c LEFT JOIN chat_members AS m ON m.chat_id = c.id
         ORDER BY c.id, m.position`,
        );
        const stored = new Map<string, { id: string; members: string[] }>();
        for (const row of memberRows) {
          const chat = stored.get(String(row.name)) ?? { id: String(row.id), members: [] };
          if (row.user_id !== null) chat.members.push(String(row.user_id));
          stored.set(String(row.name), chat);
        }
        const halfWritten = [...stored].filter(([name, chat]) => {
          const members = requested.get(name);
          return members === undefined || chat.members.join() !== members.join();
        });
        const lostChats = [...acknowledgedChats].filter(([name, id]) => stored.get(name)?.id !== id);
        const staleChats = await backend.query(database.url, STALE_CHATS);

        const texts = new Map<string, Array<{ id: string; chat: string }>>();
        for (const { id: chat } of stored.values()) {
          const history = await api.post('/messages/get', { chat });
          assert.equal(history.status, 200);
          for (const message of history.body as Array<{ id: string; text: string }>) {
            texts.set(message.text, [...(texts.get(message.text) ?? []), { id: message.id, chat }]);
          }
        }
        const lostMessages = [...acknowledgedMessages].filter(([text, { id, chat }]) => {
          const found = texts.get(text);
          return found?.length !== 1 || found[0]?.id !== id || found[0]?.chat !== chat;
        });
        const doubled = [...texts].filter(([, copies]) => copies.length > 1);

        t.diagnostic(
          `${backend.name}: seed ${SEED}; ${OUTAGES} outages of ${OUTAGE_MS / 1000} s each (readyz ${readyzDuringOutage} ` +
            `during them); back to 201s ${recoveries.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} after each ` +
            `restore; answers ${[...answers.byStatus].map(([status, n]) => `${status}×${n}`).join(' ')}; ` +
            `${acknowledgedChats.size} chats (${stored.size - 4} stored) and ${acknowledgedMessages.size} messages ` +
            `acknowledged; lost ${lostChats.length + lostMessages.length}; half-written chats ${halfWritten.length}; ` +
            `chats with a wrong last_message_at ${staleChats.length}`,
        );
        assert.deepEqual(answers.broken, [], 'during an outage, only 2xx or 503 with Retry-After');
        assert.ok(answers.count(503) > 0, 'the outage was seen');
        assert.deepEqual(lostChats, [], 'every acknowledged chat is stored with its id');
        assert.deepEqual(lostMessages, [], 'every acknowledged message is stored once, with its id, in its chat');
        assert.deepEqual(doubled, [], 'no message is stored twice');
        assert.deepEqual(
          halfWritten.map(([name]) => name),
          [],
          'every stored chat has exactly the members it was requested with, in order',
        );
        assert.deepEqual(staleChats, [], "every chat's last_message_at is the time of its newest message");
      },
    );

    test(
      'a database that stops answering (a partition) gets 503s within the handler deadline, never a hang, and service resumes when the network heals',
      TEST_TIMEOUT,
      async (t) => {
        const { api, proxy, database, close } = await proxiedApi(backend, {
          open: true,
          timeouts: { handler: HANDLER_MS },
        });
        t.after(close);
        const a = await api.user('a');
        const b = await api.user('b');
        const chat = await api.chat('room', [a, b]);

        const answers = new Answers();
        const acknowledged = new Map<string, string>();
        let slowest = 0;
        let running = true;
        const timed = async (url: string, body: unknown) => {
          const started = performance.now();
          const answer = await api.post(url, body);
          slowest = Math.max(slowest, performance.now() - started);
          answers.note(url, answer);
          if (answer.status >= 300) await sleep(20);
          return answer;
        };
        const writer = async (id: number) => {
          for (let i = 0; running; i++) {
            const text = `w${id}-${i}`;
            const answer = await timed('/messages/add', { chat, author: id % 2 ? a : b, text });
            if (answer.status === 201) acknowledged.set(text, (answer.body as { id: string }).id);
          }
        };
        const reader = async () => {
          while (running) await timed('/chats/get', { user: a });
        };
        const clients = [...Array.from({ length: 8 }, (_, id) => writer(id)), reader(), reader()];

        await sleep(500);
        proxy.stall();
        await sleep(STALL_MS);
        const createdBefore = answers.count(201);
        const healed = Date.now();
        proxy.heal();
        await until('writes succeed again', async () => answers.count(201) > createdBefore + 8);
        const recovery = Date.now() - healed;
        await sleep(300);
        running = false;
        await Promise.all(clients);

        const stored = new Map<string, string[]>();
        for (const message of (await api.post('/messages/get', { chat })).body as Array<{ id: string; text: string }>) {
          stored.set(message.text, [...(stored.get(message.text) ?? []), message.id]);
        }
        const lost = [...acknowledged].filter(([text, id]) => stored.get(text)?.join() !== id);
        const stale = await backend.query(database.url, STALE_CHATS);
        t.diagnostic(
          `${backend.name}: partition of ${STALL_MS / 1000} s with a ${HANDLER_MS / 1000} s handler deadline; ` +
            `slowest answer ${(slowest / 1000).toFixed(2)} s; answers ${[...answers.byStatus].map(([s, n]) => `${s}×${n}`).join(' ')}; ` +
            `back to 201s ${(recovery / 1000).toFixed(2)} s after healing; ${acknowledged.size} acknowledged, lost ${lost.length}`,
        );
        assert.deepEqual(answers.broken, [], 'during a partition, only 2xx or 503 with Retry-After');
        assert.ok(answers.count(503) > 0, 'the partition was seen');
        assert.ok(slowest < HANDLER_MS + 1_000, `no request waited much past the deadline: ${Math.round(slowest)} ms`);
        assert.deepEqual(lost, [], 'every acknowledged message is stored once, with its id');
        assert.deepEqual(stale, [], "every chat's last_message_at is the time of its newest message");
      },
    );
  });
}
