import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { before, describe, type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeWithService } from '../support/databases.js';
import { faultSeed, scaled, seededRandom, sleep, until } from '../support/faults.js';
import { postWith, type Reply } from '../support/http-client.js';
import { networkBackends } from '../support/network-backends.js';
import { ensureBuilt, killGroup, type RunningServer, startServer } from '../support/process.js';

const SEED = faultSeed();
/** A failure ends the test instead of leaving it hanging. */
const TEST_TIMEOUT = { timeout: scaled(180_000, 1_800_000) };
const KILLS = scaled(5, 25);
const WRITERS = 64;
const USERS = 8;
const CHATS = 4;
/** A kill lands this long after the writers start, at a seeded random moment in between. */
const LOAD_MS = { min: 150, max: 1_500 };

interface Message {
  id: string;
  text: string;
  created_at: string;
}
interface Chat {
  id: string;
  last_message_at: string | null;
}

/** One message a writer sent: its text is unique, so a stored message tells which request made it. */
interface Attempt {
  chat: string;
  author: string;
  text: string;
  /** Every other writer sends an Idempotency-Key and retries an unanswered request with it after the crash. */
  key?: string;
}

/** What the clients know: which requests were answered 201, with which id, and which got no answer. */
class Ledger {
  readonly acknowledged = new Map<string, string>();
  /** Unanswered requests with a key: to be retried after the restart. */
  unansweredWithKey: Attempt[] = [];
  /** Unanswered requests without a key: they may or may not be stored, but never twice. */
  readonly inDoubt = new Set<string>();
  readonly unexpected: string[] = [];
  retried = 0;

  acknowledge(text: string, body: string): void {
    const { id } = JSON.parse(body) as { id: string };
    assert.ok(!this.acknowledged.has(text), `${text} was answered 201 twice`);
    this.acknowledged.set(text, id);
  }
}

const post = (agent: http.Agent, server: RunningServer, attempt: Attempt) =>
  postWith(
    agent,
    `${server.url}/messages/add`,
    { chat: attempt.chat, author: attempt.author, text: attempt.text },
    attempt.key === undefined ? {} : { 'idempotency-key': attempt.key },
    10_000,
  );

/** Posts until the server dies under it (or `stop` is set); an unanswered request is noted, not retried here. */
async function writer(
  id: number,
  round: number,
  server: RunningServer,
  world: World,
  ledger: Ledger,
  agent: http.Agent,
) {
  for (let sequence = 0; !world.stopped; sequence++) {
    const text = `round ${round} writer ${id} message ${sequence}`;
    const attempt: Attempt = {
      chat: world.chats[id % CHATS] as string,
      author: world.users[id % USERS] as string,
      text,
      ...(id % 2 === 0 && { key: `crash-${SEED}-${round}-${id}-${sequence}` }),
    };
    let reply: Reply;
    try {
      reply = await post(agent, server, attempt);
    } catch {
      if (attempt.key === undefined) ledger.inDoubt.add(text);
      else ledger.unansweredWithKey.push(attempt);
      return;
    }
    if (reply.status === 201) ledger.acknowledge(text, reply.body);
    else ledger.unexpected.push(`${reply.status} ${reply.body}`);
  }
}

interface World {
  users: string[];
  chats: string[];
  stopped: boolean;
}

/** Users and chats to write into: every user is a member of every chat. The database may still be migrating. */
async function createWorld(server: RunningServer): Promise<World> {
  const agent = new http.Agent({ keepAlive: true });
  const created = async (url: string, body: unknown) => {
    let id: string | undefined;
    await until(`${url} answers 201`, async () => {
      const reply = await postWith(agent, `${server.url}${url}`, body);
      assert.ok([201, 503].includes(reply.status), `${url}: ${reply.status} ${reply.body}`);
      if (reply.status === 201) id = (JSON.parse(reply.body) as { id: string }).id;
      return id !== undefined;
    });
    return id as string;
  };
  const users: string[] = [];
  for (let i = 0; i < USERS; i++) users.push(await created('/users/add', { username: `writer ${i}` }));
  const chats: string[] = [];
  for (let i = 0; i < CHATS; i++) chats.push(await created('/chats/add', { name: `room ${i}`, users }));
  agent.destroy();
  return { users, chats, stopped: false };
}

/** Retries every unanswered keyed request with its key: each must now be answered 201, once. */
async function retryWithKeys(server: RunningServer, ledger: Ledger): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const attempts = ledger.unansweredWithKey;
  ledger.unansweredWithKey = [];
  await Promise.all(
    attempts.map(async (attempt) => {
      const reply = await post(agent, server, attempt);
      assert.equal(reply.status, 201, `a retry with its Idempotency-Key: ${reply.status} ${reply.body}`);
      ledger.acknowledge(attempt.text, reply.body);
      ledger.retried++;
    }),
  );
  agent.destroy();
}

async function readAll(server: RunningServer, world: World) {
  const agent = new http.Agent({ keepAlive: true });
  const histories = new Map<string, Message[]>();
  for (const chat of world.chats) {
    const reply = await postWith(agent, `${server.url}/messages/get`, { chat });
    assert.equal(reply.status, 200, reply.body);
    histories.set(chat, JSON.parse(reply.body) as Message[]);
  }
  const listed = await postWith(agent, `${server.url}/chats/get`, { user: world.users[0] });
  agent.destroy();
  return { histories, chats: JSON.parse(listed.body) as Chat[] };
}

/**
 * Kills the server with SIGKILL under 64 concurrent writers, KILLS times, restarting it on the same
 * database each time, then checks every acknowledged message against what the database holds.
 */
async function crashRepeatedly(t: TestContext, name: string, env: Record<string, string>): Promise<RunningServer> {
  const random = seededRandom(SEED);
  const ledger = new Ledger();
  const start = () => startServer('node', ['dist/main.js'], { ...env, LOG_LEVEL: 'error' });
  let server = await start();
  const world = await createWorld(server);
  const killedAfter: number[] = [];

  for (let round = 1; round <= KILLS; round++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS });
    world.stopped = false;
    const writers = Array.from({ length: WRITERS }, (_, id) => writer(id, round, server, world, ledger, agent));
    const delay = Math.round(LOAD_MS.min + random() * (LOAD_MS.max - LOAD_MS.min));
    await sleep(delay);
    killGroup(server.child, 'SIGKILL');
    killedAfter.push(delay);
    await server.exited;
    world.stopped = true;
    await Promise.all(writers);
    agent.destroy();
    server = await start();
    await retryWithKeys(server, ledger);
  }

  const { histories, chats } = await readAll(server, world);
  const stored = new Map<string, string[]>();
  for (const message of [...histories.values()].flat()) {
    stored.set(message.text, [...(stored.get(message.text) ?? []), message.id]);
  }
  const lost = [...ledger.acknowledged].filter(([text, id]) => !stored.get(text)?.includes(id));
  const doubled = [...stored].filter(([, ids]) => ids.length > 1);
  const unknown = [...stored.keys()].filter((text) => !ledger.acknowledged.has(text) && !ledger.inDoubt.has(text));
  const storedInDoubt = [...ledger.inDoubt].filter((text) => stored.has(text)).length;
  const storedCount = [...histories.values()].reduce((sum, history) => sum + history.length, 0);

  t.diagnostic(
    `${name}: seed ${SEED}; ${KILLS} kills (after ${killedAfter.join(', ')} ms of load); ` +
      `${ledger.acknowledged.size} answered 201 (${ledger.retried} of them retries with their Idempotency-Key ` +
      `after a crash); ${storedCount} stored; lost ${lost.length}; doubled ${doubled.length}; ` +
      `${ledger.inDoubt.size} unanswered without a key, ${storedInDoubt} of which were stored`,
  );
  assert.deepEqual(ledger.unexpected, [], 'every answer under load is a 201');
  assert.ok(ledger.acknowledged.size > KILLS * WRITERS, 'the writers got work done between kills');
  assert.deepEqual(lost, [], 'every message answered 201 is stored, with the id it was given');
  assert.deepEqual(doubled, [], 'no message is stored twice');
  assert.deepEqual(unknown, [], 'nothing is stored that no request asked for');

  for (const [chat, history] of histories) {
    const ids = history.map((message) => BigInt(message.id));
    assert.ok(
      ids.every((id, index) => index === 0 || id > (ids[index - 1] as bigint)),
      `chat ${chat} reads in the order its messages were accepted`,
    );
    const listed = chats.find((candidate) => candidate.id === chat);
    assert.equal(listed?.last_message_at, history.at(-1)?.created_at ?? null, `chat ${chat}'s last_message_at`);
  }
  return server;
}

describe('crash', () => {
  before(ensureBuilt);

  test(
    'SQLite under group commit: kill -9 mid-load loses no acknowledged message and stores none twice',
    TEST_TIMEOUT,
    async (t) => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-crash-'));
      t.after(() => fs.rmSync(directory, { recursive: true, force: true }));
      const file = path.join(directory, 'chat.db');
      const server = await crashRepeatedly(t, 'SQLite', { DATABASE_URL: `sqlite:${file}` });
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());

      const db = new Database(file);
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        db.close();
      }
    },
  );
});

for (const backend of networkBackends) {
  describeWithService(`crash on ${backend.name}`, backend.available, backend.service, () => {
    before(ensureBuilt);

    test('kill -9 mid-load loses no acknowledged message and stores none twice', TEST_TIMEOUT, async (t) => {
      const database = await backend.createScratchDatabase();
      t.after(() => database.drop());
      const server = await crashRepeatedly(t, backend.name, { DATABASE_URL: database.url });
      killGroup(server.child, 'SIGKILL');
      await server.exited;
    });
  });
}
