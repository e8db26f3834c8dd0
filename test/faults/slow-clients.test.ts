/**
 * Slow and idle clients against a real server process with short timeouts, asserting outcomes only: which
 * requests were answered and how, what was stored, which connections the server closed, how much memory it
 * took. Nothing here measures a time, so it holds on a loaded machine; the only bound is each test's timeout,
 * which turns a connection the server never closes into a failure rather than a hang. How soon things happen
 * is measured by slow-clients.check.ts (npm run test:faults).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type HttpTimeouts, PIPELINING_LIMIT } from '../../src/http/app.js';
import { faultSeed, rssMiB, seededRandom, sleep, watchRss } from '../support/faults.js';
import { RawConnection, statusesIn } from '../support/raw-http.js';
import { readServerFigures } from '../support/server-watch.js';
import { type ChatServer, PEAK_RSS_LIMIT_MIB, startChatServer } from './chat-server.js';
import { KeepAliveLoad } from './keep-alive-load.js';
import { addHistory, sendWithoutReading } from './non-readers.js';
import { type SlowClient, SlowCrowd } from './slow-loris.js';

const SEED = faultSeed();
const CONNECTIONS = 1_000;
/** Requests each keep-alive client sends once all of them are open. */
const MORE_REQUESTS = 3;
const SLOW_PER_KIND = 20;
/**
 * Short enough for the test to see them act, long enough that a loaded machine does not trip them on the
 * well-behaved clients: a keep-alive client asks again 1-2 s after its answer (GAP_MS), and Node closes an
 * idle connection a second after the 6 s keep-alive timeout.
 */
const TIMEOUTS: HttpTimeouts = {
  headers: 4_000,
  request: 5_000,
  keepAlive: 6_000,
  idleSocket: 30_000,
  checkInterval: 250,
  handler: 60_000,
};
const GAP_MS = { min: 1_000, max: 2_000 };
/**
 * A trickle takes 20 s (200 bytes, 100 ms apart), four times the longest timeout: a server that let it run
 * would handle its request, and the test would find its user stored.
 */
const TRICKLE = { everyMs: 100, bytes: 200 };
/** The only bound on the load, and on each wait for the server to close a connection. */
const HOOK_TIMEOUT = { timeout: 180_000 };
const TEST_TIMEOUT = { timeout: 60_000 };

const PROBLEM_408 = /^HTTP\/1\.1 408 .*application\/problem\+json/s;

/** Resolves once the server has closed every one of `connections` (the test never closes them itself). */
const closedByServer = (connections: readonly RawConnection[]) =>
  Promise.all(connections.map((connection) => connection.closed));

describe('1,000 keep-alive clients alongside slow-loris clients', () => {
  let directory: string;
  let file: string;
  let server: ChatServer;
  let crowd: SlowCrowd;
  let load: KeepAliveLoad;
  let rss: ReturnType<typeof watchRss>;
  let rssAtRest = 0;
  let connectionsAtRest = 0;
  let connectionsHeld = 0;
  let answersWhileSlowHeld = 0;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-slow-'));
    file = path.join(directory, 'slow.db');
    server = await startChatServer(TIMEOUTS, file);
    rssAtRest = rssMiB(server.pid) ?? 0;
    rss = watchRss(server.pid);
    connectionsAtRest = (await readServerFigures(server.port)).connections;

    // Slow clients first, each replaced as soon as the server closes it, for as long as the load lasts.
    crowd = new SlowCrowd(server.port, { perKind: SLOW_PER_KIND, ...TRICKLE });
    await crowd.start({ replace: true });
    load = new KeepAliveLoad(server, {
      clients: CONNECTIONS,
      gapMs: GAP_MS,
      random: seededRandom(SEED),
      onAnswer: () => {
        if (crowd.open > 0) answersWhileSlowHeld++;
      },
    });
    // Every client has its connection open and keeps asking: the server holds them all now.
    await load.start();
    connectionsHeld = (await readServerFigures(server.port)).connections;
    await load.finish(MORE_REQUESTS);
    await crowd.stopReplacing();
  }, HOOK_TIMEOUT);

  after(async () => {
    rss?.stop();
    await server?.stop();
    if (directory !== undefined) fs.rmSync(directory, { recursive: true, force: true });
  });

  /**
   * Each client of `kind` was closed by the server, never got its whole request out, read nothing but a 408
   * problem if anything, and had no user added.
   */
  async function assertRefused(kind: SlowClient['kind']): Promise<SlowClient[]> {
    const clients = crowd.of(kind);
    await closedByServer(clients.map((client) => client.connection));
    for (const client of clients) {
      assert.equal(await client.sentWhole, false, `${client.name} got its whole request out`);
      const received = client.connection.received.toString('latin1');
      assert.ok(received === '' || PROBLEM_408.test(received), `${client.name} was answered ${received}`);
      assert.ok(statusesIn(client.connection.received).length <= 1, received);
    }
    const added = query<{ username: string }>(`SELECT username FROM users WHERE username LIKE 'slow-${kind}-%'`);
    assert.deepEqual(added, [], 'a slow request was handled');
    return clients;
  }

  const read408 = (clients: readonly SlowClient[]) =>
    clients.filter((client) => client.connection.received.length > 0).length;

  /** Rows of the server's database, read beside it. */
  function query<T>(sql: string): T[] {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  test(
    'every request of 1,000 concurrent keep-alive clients gets its right 2xx answer while slow clients are held',
    TEST_TIMEOUT,
    (t) => {
      const sent = load.sent.reduce((sum, count) => sum + count, 0);
      t.diagnostic(
        `seed ${SEED}; ${CONNECTIONS} keep-alive clients, all open at once (the server held ${connectionsHeld} ` +
          `connections then), sent ${sent} requests and read ${load.answers} answers, ${load.written.size} of ` +
          `them 201s; ${answersWhileSlowHeld} answers came while slow clients were open; ${crowd.clients.length} ` +
          `slow clients in all (${SLOW_PER_KIND} of each kind at a time, each replaced once closed)`,
      );
      assert.deepEqual(load.failures.slice(0, 20), [], `${load.failures.length} requests failed`);
      assert.equal(load.answers, sent, 'every request was answered');
      assert.ok(
        load.sent.every((count) => count >= 1 + MORE_REQUESTS),
        'every client kept being served once all were open',
      );
      assert.ok(connectionsHeld >= CONNECTIONS, `the server held every connection at once: ${connectionsHeld}`);
      assert.ok(answersWhileSlowHeld > 0, 'the keep-alive clients were served while slow clients were open');
      assert.deepEqual(crowd.errors, [], 'every slow client could connect');
    },
  );

  test('a client that trickles its headers is closed, and its request is never handled', TEST_TIMEOUT, async (t) => {
    const clients = await assertRefused('headers');
    t.diagnostic(`${clients.length} header trickles closed, ${read408(clients)} of them read their 408`);
  });

  test(
    'a body trickled past the request timeout is not stored, and its connection is closed',
    TEST_TIMEOUT,
    async (t) => {
      const clients = await assertRefused('body');
      t.diagnostic(`${clients.length} body trickles closed, ${read408(clients)} of them read their 408`);
    },
  );

  test('a client that sends nothing is closed with a 408 problem', TEST_TIMEOUT, async (t) => {
    const clients = await assertRefused('silent');
    for (const client of clients) assert.ok(client.connection.received.length > 0, `${client.name} read no 408`);
    t.diagnostic(`${clients.length} silent clients closed, all with a 408`);
  });

  test('an idle keep-alive connection is closed by the server with nothing more said', TEST_TIMEOUT, async () => {
    await closedByServer(load.connections);
    load.connections.forEach((connection, index) => {
      const statuses = statusesIn(connection.received);
      assert.equal(statuses.length, load.sent[index], `client ${index} got an answer it did not ask for`);
      assert.ok(
        statuses.every((status) => status === 200 || status === 201),
        `client ${index}: ${statuses.join(',')}`,
      );
    });
  });

  test('every message answered 201 is stored with its id, and nothing else is', TEST_TIMEOUT, async () => {
    await closedByServer(crowd.clients.map((client) => client.connection));
    const messages = query<{ id: number | bigint; text: string }>('SELECT id, text FROM messages');
    const stored = new Map(messages.map(({ id, text }) => [text, String(id)]));
    assert.deepEqual(stored, load.written, 'exactly the messages answered 201, with their ids');
    const users = query<{ username: string }>('SELECT username FROM users ORDER BY username');
    assert.deepEqual(
      users.map((user) => user.username),
      ['a', 'b'],
      'only the users the test added before the load',
    );
  });

  test(`the server stays under ${PEAK_RSS_LIMIT_MIB} MiB of memory throughout`, TEST_TIMEOUT, (t) => {
    const peak = rss.stop();
    t.diagnostic(`server RSS ${rssAtRest.toFixed(0)} MiB at rest, peak ${peak.toFixed(0)} MiB`);
    assert.ok(peak > 0 && peak < PEAK_RSS_LIMIT_MIB, `peak RSS ${peak.toFixed(0)} MiB`);
  });

  test('the server still serves afterwards, and holds none of those connections', TEST_TIMEOUT, async () => {
    await closedByServer([...load.connections, ...crowd.clients.map((client) => client.connection)]);
    const connection = await RawConnection.connect(server.port);
    try {
      const added = await connection.post('/users/add', { username: 'after' });
      assert.equal(added.status, 201, added.body);
      const chats = await connection.post('/chats/get', { user: server.users[0] });
      assert.equal(chats.status, 200, chats.body);
      assert.equal((JSON.parse(chats.body) as { id: string }[])[0]?.id, server.chat);
      const { connections } = await readServerFigures(server.port);
      assert.ok(connections <= connectionsAtRest + 1, `${connections} connections open, ${connectionsAtRest} at rest`);
    } finally {
      connection.destroy();
    }
  });
});

describe('clients that read none of their answers', () => {
  let directory: string;
  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-greedy-'));
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  test(
    'a client that sends requests far ahead of reading their answers is dropped before they pile up in memory',
    TEST_TIMEOUT,
    async (t) => {
      // No idle timeout within the test's: only the pipelining limit can drop these clients in time.
      const server = await startChatServer({ ...TIMEOUTS, idleSocket: 600_000 }, path.join(directory, 'greedy.db'));
      t.after(() => server.stop());
      await addHistory(server, 10);
      const rssAtRest = rssMiB(server.pid) ?? 0;
      const rss = watchRss(server.pid);
      t.after(() => rss.stop());
      const connectionsAtRest = (await readServerFigures(server.port)).connections;

      // Ten clients each ask for the 100 KB history ten times the limit over, and read nothing: answered in
      // full, that is 32 MB each.
      // The server accepts them before the connection that reads its count, opened after them: a count back
      // at rest means that it dropped them all.
      const greedy = await sendWithoutReading(server, 10, PIPELINING_LIMIT * 10);
      while ((await readServerFigures(server.port)).connections > connectionsAtRest) await sleep(100);
      for (const client of greedy) client.socket.resume();
      await closedByServer(greedy);
      const peak = rss.stop();

      const answered = Math.max(...greedy.map((client) => client.received.length));
      t.diagnostic(
        `10 clients, ${PIPELINING_LIMIT * 10} requests ahead each: all dropped, ${answered} bytes answered at most; ` +
          `server RSS ${rssAtRest.toFixed(0)} MiB at rest, peak ${peak.toFixed(0)} MiB`,
      );
      for (const client of greedy) {
        const statuses = statusesIn(client.received);
        assert.ok(
          statuses.length < PIPELINING_LIMIT * 10,
          'the client was dropped before all its requests were answered',
        );
      }
      assert.ok(
        peak < rssAtRest + 150,
        `unread answers did not pile up: RSS ${rssAtRest.toFixed(0)} -> ${peak.toFixed(0)} MiB`,
      );
    },
  );
});
