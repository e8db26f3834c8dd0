import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeWithService } from '../support/databases.js';
import { createScratchDatabase, postgresAvailable } from '../support/postgres-backend.js';
import { ensureBuilt, freePort, killGroup, postJson, type RunningServer, startServer } from '../support/process.js';
import { REDIS_URL, redisAvailable } from '../support/redis.js';
import { SseClient } from '../support/sse-client.js';

interface Message {
  id: string;
  chat: string;
  text: string;
}

/** Two server processes on different ports, sharing one new PostgreSQL database and Redis. */
async function twoProcesses(t: import('node:test').TestContext, redisUrl = REDIS_URL) {
  const database = await createScratchDatabase();
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl };
  const servers: RunningServer[] = [];
  const streams: SseClient[] = [];
  t.after(async () => {
    for (const stream of streams) stream.close();
    for (const server of servers) killGroup(server.child, 'SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    await database.drop();
  });
  servers.push(await startServer('node', ['dist/main.js'], env));
  servers.push(await startServer('node', ['dist/main.js'], env));
  const [a, b] = servers as [RunningServer, RunningServer];
  const created = async (server: RunningServer, path: string, body: unknown) => {
    const answer = await postJson(`${server.url}${path}`, body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return (answer.body as { id: string }).id;
  };
  const open = async (server: RunningServer, query: string, headers: Record<string, string> = {}) => {
    const stream = await SseClient.open(`${server.url}/events?${query}`, headers);
    assert.equal(stream.status, 200);
    streams.push(stream);
    return stream;
  };
  /** Two users made on A, and (unless `withChat` is false) a chat of theirs. */
  const people = async () => ({
    ann: await created(a, '/users/add', { username: 'ann' }),
    bob: await created(a, '/users/add', { username: 'bob' }),
  });
  const room = async () => {
    const { ann, bob } = await people();
    return { ann, bob, chat: await created(a, '/chats/add', { name: 'room', users: [ann, bob] }) };
  };
  return { a, b, created, open, people, room };
}

const messagesOf = (stream: SseClient) =>
  stream.events.filter((event) => event.event === 'message').map((event) => JSON.parse(event.data) as Message);

const liveReady = postgresAvailable && redisAvailable;

describeWithService(
  'live delivery across two server processes (PostgreSQL and Redis)',
  liveReady,
  'PostgreSQL and Redis',
  () => {
    before(ensureBuilt);

    test('a subscriber on one process sees the messages posted on the other', async (t) => {
      const { a, b, created, open, room } = await twoProcesses(t);
      const { ann, chat } = await room();
      const stream = await open(b, `chat=${chat}`);
      const id = await created(a, '/messages/add', { chat, author: ann, text: 'across' });
      await stream.until(() => messagesOf(stream).length === 1);
      assert.deepEqual(
        messagesOf(stream).map((message) => [message.id, message.text]),
        [[id, 'across']],
      );
    });

    test('a client that resumes on the other process gets exactly the messages posted on both meanwhile, in order', async (t) => {
      const { a, b, created, open, room } = await twoProcesses(t);
      const { ann, bob, chat } = await room();
      const first = await open(b, `chat=${chat}`);
      await created(a, '/messages/add', { chat, author: ann, text: 'seen' });
      await first.until(() => messagesOf(first).length === 1);
      const lastEventId = first.lastEventId as string;
      first.close();

      // Posted on both processes at once, while no stream is open.
      const missed = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          created(i % 2 === 0 ? a : b, '/messages/add', { chat, author: i % 2 === 0 ? ann : bob, text: `missed ${i}` }),
        ),
      );
      const resumed = await open(a, `chat=${chat}`, { 'last-event-id': lastEventId });
      await resumed.until(() => messagesOf(resumed).length >= missed.length);
      const live = await created(b, '/messages/add', { chat, author: bob, text: 'live' });
      await resumed.until(() => messagesOf(resumed).length === missed.length + 1);

      const history = ((await postJson(`${a.url}/messages/get`, { chat })).body as Message[]).map((m) => m.id);
      assert.deepEqual(
        messagesOf(resumed).map((message) => message.id),
        history.slice(1),
        'every missed message once, in the order of the history, then the live one',
      );
      assert.equal(history.at(-1), live);
      assert.deepEqual(new Set(history.slice(1, -1)), new Set(missed));
    });

    test('a user stream on one process sees a chat created on the other, then its messages', async (t) => {
      const { a, b, created, open, people } = await twoProcesses(t);
      const { ann, bob } = await people();
      const stream = await open(a, `user=${bob}`);
      const chat = await created(b, '/chats/add', { name: 'new', users: [ann, bob] });
      await created(b, '/messages/add', { chat, author: ann, text: 'welcome' });
      await stream.until(() => stream.events.length === 2);
      assert.deepEqual(
        stream.events.map((event) => event.event),
        ['chat', 'message'],
      );
      assert.equal(JSON.parse(stream.events[0]?.data ?? '{}').id, chat);
      assert.equal(messagesOf(stream)[0]?.text, 'welcome');
    });

    test('with Redis unreachable, messages still reach the other process (its poll reads the database)', async (t) => {
      const nobody = `redis://127.0.0.1:${await freePort()}`;
      const { a, b, created, open, room } = await twoProcesses(t, nobody);
      const { ann, chat } = await room();
      const stream = await open(b, `chat=${chat}`);
      const texts = ['one', 'two', 'three'];
      for (const text of texts) await created(a, '/messages/add', { chat, author: ann, text });
      await stream.until(() => messagesOf(stream).length === texts.length);
      assert.deepEqual(
        messagesOf(stream).map((message) => message.text),
        texts,
      );
      assert.match(b.output(), /Redis is not reachable/);
    });

    test('a writer killed mid-burst: the other process still delivers every message it stored, once, in order', async (t) => {
      const { a, b, created, open, room } = await twoProcesses(t);
      const { ann, bob, chat } = await room();
      const stream = await open(b, `chat=${chat}`);
      // Writers on A until it is killed: some messages are committed but never numbered by A.
      let killed = false;
      const writers = Array.from({ length: 16 }, async () => {
        while (!killed) {
          const answer = await postJson(`${a.url}/messages/add`, { chat, author: ann, text: 'burst' }).catch(
            () => undefined,
          );
          if (answer && answer.status !== 201) assert.fail(`answered ${answer.status}`);
        }
      });
      await stream.until(() => messagesOf(stream).length >= 50);
      killGroup(a.child, 'SIGKILL');
      killed = true;
      await Promise.all(writers);
      await created(b, '/messages/add', { chat, author: bob, text: 'after the kill' });
      const history = ((await postJson(`${b.url}/messages/get`, { chat })).body as Message[]).map((m) => m.id);
      await stream.until(() => messagesOf(stream).length >= history.length);
      assert.deepEqual(
        messagesOf(stream).map((message) => message.id),
        history,
      );
    });

    test('SIGTERM ends open streams cleanly and the process exits 0; the client resumes on the other', async (t) => {
      const { a, b, created, open, room } = await twoProcesses(t);
      const { ann, bob, chat } = await room();
      const stream = await open(a, `chat=${chat}`);
      await created(b, '/messages/add', { chat, author: ann, text: 'before' });
      await stream.until(() => messagesOf(stream).length === 1);
      killGroup(a.child, 'SIGTERM');
      await stream.waitForClose();
      assert.equal(await a.exited, 0);
      await created(b, '/messages/add', { chat, author: bob, text: 'after' });
      const resumed = await open(b, `chat=${chat}`, { 'last-event-id': stream.lastEventId as string });
      await resumed.until(() => messagesOf(resumed).length === 1);
      assert.equal(messagesOf(resumed)[0]?.text, 'after');
    });
  },
);
