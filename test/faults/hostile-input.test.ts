import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Storage } from '../../src/chat/storage-port.js';
import type { HttpTimeouts } from '../../src/http/app.js';
import { composeApp } from '../../src/server.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { ApiClient } from '../support/api.js';
import { describeWithService } from '../support/databases.js';
import { faultSeed, scaled, until, within } from '../support/faults.js';
import { networkBackends } from '../support/network-backends.js';
import { exchange } from '../support/raw-http.js';
import { startSourceThread } from '../support/source-threads.js';
import { scratchSqliteFile } from '../support/sqlite-files.js';
import { forgedCursorRequest, type HostileRequest, hostileRequest, rawHttpRequest } from './hostile-http.js';

const SEED = faultSeed();
/** A failure ends the test instead of leaving it hanging. */
const TEST_TIMEOUT = { timeout: scaled(180_000, 1_800_000) };
const INJECT_RUNS = scaled(2500, 25_000);
const NETWORK_BACKEND_RUNS = scaled(200, 2_000);
const SOCKET_RUNS = scaled(400, 4_000);
const CURSOR_RUNS = scaled(150, 1_500);
/** However hostile the request, an answer (or a closed connection) comes within this. */
const ANSWER_MS = 5_000;
const SOCKET_TIMEOUTS: Partial<HttpTimeouts> = { headers: 1_000, request: 2_000, keepAlive: 1_000, checkInterval: 100 };

/** Every row a request could add, counted straight from the database. */
const COUNT_ROWS = `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM chats) AS chats,
  (SELECT COUNT(*) FROM chat_members) AS members, (SELECT COUNT(*) FROM messages) AS messages,
  (SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys`;

type Counts = Record<string, unknown>;

interface Fixture {
  app: FastifyInstance;
  counts(): Promise<Counts>;
}

/** Users 1-3; chat 1 of users 1 and 2 with three messages; chat 2 of users 2 and 3. */
async function seedFixture(app: FastifyInstance): Promise<void> {
  const api = new ApiClient(app);
  const [a, b, c] = [await api.user('ann'), await api.user('bob'), await api.user('cid')];
  const chat = await api.chat('one', [a, b]);
  await api.chat('two', [b, c]);
  for (const text of ['hi', 'hello', 'bye']) await api.message(chat, a as string, text);
}

async function sqliteFixture(t: TestContext, timeouts?: Partial<HttpTimeouts>): Promise<Fixture> {
  const scratch = scratchSqliteFile();
  const storage = openSqliteStorage(scratch.file, { startThread: startSourceThread });
  await storage.migrate();
  const db = openSqliteDatabase(scratch.file);
  const app = composeApp({ storage, timeouts });
  t.after(async () => {
    await app.close();
    await storage.close();
    db.close();
    scratch.remove();
  });
  await seedFixture(app);
  const count = db.prepare(COUNT_ROWS);
  return {
    app,
    counts: async () => {
      // A request whose answer a closed connection cut off may still be writing: the writer commits in
      // the order it is given writes, so a write given after it (one that changes nothing) waits for it.
      await storage.forgetIdempotencyKeys(0, 0);
      return count.get() as Counts;
    },
  };
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).join();

/** The statuses a run answered, for its figures. */
class Tally {
  private readonly byStatus = new Map<number, number>();
  cases = 0;

  add(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  has(status: number): boolean {
    return this.byStatus.has(status);
  }

  toString(): string {
    const statuses = [...this.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    return `${this.cases} cases: ${statuses.join(' ')}`;
  }
}

const describeRequest = ({ path, headers, payload }: HostileRequest) =>
  `POST ${path} ${JSON.stringify(headers)} ${JSON.stringify(String(payload).slice(0, 200))}`;

/** The property every request must keep: an answer in time, never 5xx, and a refusal changes nothing. */
function answersSafely(fixture: Fixture, tally: Tally, requests = hostileRequest) {
  const prototype = prototypeKeys();
  return fc.asyncProperty(requests, async (request) => {
    const before = await fixture.counts();
    const response = await within(
      ANSWER_MS,
      describeRequest(request),
      fixture.app.inject({ method: 'POST', url: request.path, payload: request.payload, headers: request.headers }),
    );
    tally.cases++;
    tally.add(response.statusCode);
    const said = `${describeRequest(request)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
    assert.ok(response.statusCode < 500, said);
    if (response.statusCode >= 400) {
      assert.deepEqual(await fixture.counts(), before, `a refused request changed the database: ${said}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, said);
      assert.equal(JSON.parse(response.body).status, response.statusCode, said);
    } else if (response.statusCode === 201) {
      assert.match(JSON.parse(response.body).id, /^[1-9][0-9]*$/, said);
    } else {
      assert.equal(response.statusCode, 200, said);
      const body: unknown = JSON.parse(response.body);
      // The reads answer lists; /chats/read a member's read state.
      if (request.path.startsWith('/chats/read'))
        assert.match(String((body as { unread?: unknown }).unread), /^[0-9]+$/, said);
      else assert.ok(Array.isArray(body), said);
    }
    assert.equal(prototypeKeys(), prototype, `Object.prototype was polluted: ${said}`);
  });
}

describe('hostile input', () => {
  test(
    'no body, field value or header makes a method answer 5xx or hang, and a refused request changes nothing',
    TEST_TIMEOUT,
    async (t) => {
      const fixture = await sqliteFixture(t);
      const tally = new Tally();
      t.diagnostic(`seed ${SEED} (replay with FAULTS_SEED=${SEED}), ${INJECT_RUNS} requests on SQLite`);
      await fc.assert(answersSafely(fixture, tally), { seed: SEED, numRuns: INJECT_RUNS, includeErrorInReport: true });
      t.diagnostic(`SQLite, in-process: ${tally}`);
      // The generators must reach past validation into the chat's rules and the database, not only 400s.
      for (const status of [200, 201, 400, 403, 404, 409, 413, 415])
        assert.ok(tally.has(status), `no ${status} in ${tally}`);
    },
  );

  test('a forged chat-list cursor is refused or read, never a 5xx', TEST_TIMEOUT, async (t) => {
    const fixture = await sqliteFixture(t);
    const tally = new Tally();
    await fc.assert(answersSafely(fixture, tally, forgedCursorRequest), {
      seed: SEED,
      numRuns: CURSOR_RUNS,
      includeErrorInReport: true,
    });
    t.diagnostic(`forged cursors on SQLite: ${tally}`);
  });

  test(
    'over a real socket, broken HTTP is answered 4xx or closed at once, never 5xx, and the server serves on',
    TEST_TIMEOUT,
    async (t) => {
      const fixture = await sqliteFixture(t, SOCKET_TIMEOUTS);
      await fixture.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = fixture.app.server.address() as AddressInfo;
      const tally = new Tally();
      let unanswered = 0;
      const prototype = prototypeKeys();
      t.diagnostic(`seed ${SEED} (replay with FAULTS_SEED=${SEED}), ${SOCKET_RUNS} raw requests`);
      await fc.assert(
        fc.asyncProperty(rawHttpRequest, async (bytes) => {
          const before = await fixture.counts();
          const { statuses, closed } = await exchange(port, bytes, ANSWER_MS);
          const said = `${JSON.stringify(bytes.toString('latin1').slice(0, 300))} -> ${statuses.join(',') || 'no answer'}`;
          tally.cases++;
          for (const status of statuses) tally.add(status);
          if (statuses.length === 0) unanswered++;
          assert.ok(closed, `the server neither answered nor closed in ${ANSWER_MS} ms: ${said}`);
          assert.ok(
            statuses.every((status) => status < 500),
            said,
          );
          if (!statuses.some((status) => status >= 200 && status < 300)) {
            assert.deepEqual(await fixture.counts(), before, `a refused request changed the database: ${said}`);
          }
          assert.equal(prototypeKeys(), prototype, `Object.prototype was polluted: ${said}`);
        }),
        { seed: SEED, numRuns: SOCKET_RUNS, includeErrorInReport: true },
      );
      t.diagnostic(`over a socket: ${tally}; ${unanswered} closed without an answer`);

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200, 'the server still serves');
      await until('the server holds no connection from the fuzzed clients', async () => {
        const open = await new Promise<number>((resolve) =>
          fixture.app.server.getConnections((_, count) => resolve(count)),
        );
        return open <= 1;
      });
    },
  );
});

for (const backend of networkBackends) {
  describeWithService(`hostile input on ${backend.name}`, backend.available, backend.service, () => {
    const networkFixture = async (t: TestContext): Promise<Fixture> => {
      const database = await backend.createScratchDatabase();
      const storage: Storage = backend.storageAt(database.url);
      const app = composeApp({ storage });
      t.after(async () => {
        await app.close();
        await storage.close();
        await database.drop();
      });
      await storage.migrate();
      await seedFixture(app);
      return { app, counts: async () => (await backend.query(database.url, COUNT_ROWS))[0] as Counts };
    };

    test('no request makes it answer 5xx, and a refused request changes nothing', TEST_TIMEOUT, async (t) => {
      const fixture = await networkFixture(t);
      const tally = new Tally();
      t.diagnostic(`seed ${SEED} (replay with FAULTS_SEED=${SEED}), ${NETWORK_BACKEND_RUNS} requests`);
      await fc.assert(answersSafely(fixture, tally), {
        seed: SEED,
        numRuns: NETWORK_BACKEND_RUNS,
        includeErrorInReport: true,
      });
      t.diagnostic(`${backend.name}: ${tally}`);
    });

    test('a forged chat-list cursor is refused or read, never a 5xx', TEST_TIMEOUT, async (t) => {
      const fixture = await networkFixture(t);
      const tally = new Tally();
      await fc.assert(answersSafely(fixture, tally, forgedCursorRequest), {
        seed: SEED,
        numRuns: CURSOR_RUNS,
        includeErrorInReport: true,
      });
      t.diagnostic(`forged cursors on ${backend.name}: ${tally}`);
    });
  });
}
