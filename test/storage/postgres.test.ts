import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import pg from 'pg';
import type { AddMessageResult, Storage } from '../../src/chat/storage-port.js';
import { ParleyError } from '../../src/model/errors.js';
import { asStorageError } from '../../src/storage/postgres/errors.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/migrations.js';
import { statements } from '../../src/storage/postgres/statements.js';
import { messagesIn } from '../support/backends.js';
import { describeWithService, POSTGRES_ADMIN_URL } from '../support/databases.js';
import {
  createScratchDatabase,
  openPostgres,
  postgres,
  postgresAvailable,
  queryPostgres,
} from '../support/postgres-backend.js';
import { storageContract } from './contract.js';
import { created } from './contract-support.js';

const unavailable = (error: unknown) => error instanceof ParleyError && error.code === 'storage_unavailable';

const ascending = (ids: readonly string[]) =>
  ids.every((id, i) => i === 0 || BigInt(ids[i - 1] as string) < BigInt(id));

/** The next turn of the event loop: what was added before it has gone out as one batch. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

interface PlanNode {
  'Node Type': string;
  'Subplan Name'?: string;
  'CTE Name'?: string;
  'Sort Key'?: string[];
  Output?: string[];
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Opens a fresh database with two members in one chat, and closes it after `run`. */
async function withRoom(
  run: (room: { storage: Storage; url: string; a: string; b: string; chat: string }) => Promise<void>,
  clock?: () => number,
) {
  const database = await openPostgres(clock);
  try {
    const { storage, url } = database;
    const [a, b] = await Promise.all([storage.addUser('a'), storage.addUser('b')]);
    assert.ok(a?.ok && b?.ok);
    const chat = await storage.addChat('room', [a.id, b.id]);
    assert.ok(chat.ok);
    await run({ storage, url, a: a.id, b: b.id, chat: chat.id });
  } finally {
    await database.close();
  }
}

describe('PostgreSQL error mapping', () => {
  const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

  test('connection failures become storage_unavailable', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('EAI_AGAIN'),
      withCode('08006'),
      withCode('57P01'),
      withCode('53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    ]) {
      assert.ok(unavailable(asStorageError(error)), String(error));
    }
  });

  test('every other error is rethrown unchanged', () => {
    for (const error of [withCode('23503'), withCode('42P01'), new TypeError('bug')]) {
      assert.equal(asStorageError(error), error);
    }
  });
});

describeWithService('PostgreSQL storage', postgresAvailable, `PostgreSQL at ${POSTGRES_ADMIN_URL}`, () => {
  storageContract(postgres);

  test('two processes migrating one new database at once both succeed, and each step is applied once', async () => {
    const database = await createScratchDatabase();
    const first = new PostgresStorage(database.url);
    const second = new PostgresStorage(database.url);
    try {
      await Promise.all([first.migrate(), second.migrate()]);
      await second.migrate();
      const applied = await queryPostgres('SELECT version FROM schema_migrations ORDER BY version', [], database.url);
      assert.deepEqual(
        applied.map((row) => row.version),
        POSTGRES_MIGRATIONS.map((_, index) => index + 1),
      );
      assert.ok((await first.addUser('ann')).ok);
      assert.deepEqual(await second.addUser('ann'), { ok: false, reason: 'username_taken' });
    } finally {
      await Promise.all([first.close(), second.close()]);
      await database.drop();
    }
  });

  test('an unreachable database fails every call as storage_unavailable, and the process carries on', async () => {
    const storage = new PostgresStorage('postgres://postgres@127.0.0.1:1/parley');
    try {
      await assert.rejects(storage.migrate(), unavailable);
      await assert.rejects(storage.ping(), unavailable);
      await assert.rejects(storage.addUser('ann'), unavailable);
      await assert.rejects(storage.addChat('room', ['1', '2']), unavailable);
      await assert.rejects(storage.addMessage('1', '1', 'hi'), unavailable);
      await assert.rejects(storage.chatsOfUser('1'), unavailable);
      await assert.rejects(storage.findUsers({ prefix: 'a', limit: 20 }), unavailable);
      await assert.rejects(storage.messageRun('1', { direction: 'forward' }), unavailable);
      await assert.rejects(storage.messageRun('1', { direction: 'forward', limit: 5, from: '1' }), unavailable);
      await assert.rejects(storage.addMessage('1', '1', 'hi', { key: 'k', fingerprint: 'f' }), unavailable);
      await assert.rejects(storage.forgetIdempotencyKeys(0, 10), unavailable);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await storage.close();
    }
  });

  test('a closed storage fails calls as storage_unavailable, and closing twice is harmless', async () => {
    const database = await postgres.open();
    await database.close();
    await database.storage.close();
    await assert.rejects(database.storage.addUser('ann'), unavailable);
    await assert.rejects(database.storage.ping(), unavailable);
  });

  test('connections the server kills are replaced, without crashing the process', () =>
    withRoom(async ({ storage, url, a, chat }) => {
      const killed = await queryPostgres(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'parley'`,
        [],
        url,
      );
      assert.ok(killed.length > 0, 'the storage should have had idle connections');
      for (let attempt = 0; ; attempt++) {
        try {
          assert.ok((await storage.addMessage(chat, a, 'after')).ok);
          break;
        } catch (error) {
          assert.ok(unavailable(error), `a lost connection reads as unavailable, not ${String(error)}`);
          assert.ok(attempt < 20, 'the storage should reconnect');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      assert.equal((await messagesIn(storage, chat)).length, 1);
    }));

  test('/messages/add is one named statement, whether it is stored or refused', () =>
    withRoom(async ({ storage, a, chat }) => {
      await storage.ping();
      const query = mock.method(pg.Client.prototype, 'query');
      try {
        for (const [chatId, author] of [
          [chat, a],
          [String(BigInt(chat) + 1000n), a],
          [chat, String(BigInt(a) + 1000n)],
        ] as const) {
          query.mock.resetCalls();
          await storage.addMessage(chatId, author, 'hi');
          assert.equal(query.mock.callCount(), 1);
          const config = query.mock.calls[0]?.arguments[0] as unknown as pg.QueryConfig;
          // Alone in its turn: the one-message statement (several in a turn share addMessages, tested below).
          assert.equal(config.name, 'parley_add_message');
        }
      } finally {
        query.mock.restore();
      }
    }));

  test('a chat may have more members than a statement has parameters', () =>
    withRoom(async ({ storage, url, a }) => {
      const rows = await queryPostgres<{ id: string }>(
        `INSERT INTO users (username, created_at)
         SELECT 'member ' || n, now() FROM generate_series(1, 70000) AS n RETURNING id`,
        [],
        url,
      );
      const members = [...rows.map((row) => row.id).reverse(), a];
      const chat = await storage.addChat('crowd', members);
      assert.ok(chat.ok);
      const listed = (await storage.chatsOfUser(a))?.find((candidate) => candidate.id === chat.id);
      assert.deepEqual(listed?.users, members);
    }));

  test('under concurrent writers and a jittery clock, (created_at, id) order is id order', () => {
    const start = Date.UTC(2026, 10, 24);
    return withRoom(
      async ({ storage, a, b, chat }) => {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => storage.addMessage(chat, i % 2 ? a : b, `m${i}`)),
        );
        assert.ok(results.every((result) => result.ok));
        const listed = await messagesIn(storage, chat);
        const ids = listed.map((message) => BigInt(message.id));
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => (x < y ? -1 : 1)),
        );
        const [last] = (await storage.chatsOfUser(a)) ?? [];
        assert.equal(last?.last_message_at, listed.at(-1)?.created_at);
      },
      () => start + Math.floor(Math.random() * 1000),
    );
  });

  test('the messages of one turn to one chat are one statement, stored in the order sent, at one time', () =>
    withRoom(async ({ storage, a, b, chat }) => {
      await storage.ping();
      const texts = Array.from({ length: 50 }, (_, i) => `m${i}`);
      const query = mock.method(pg.Client.prototype, 'query');
      let results: AddMessageResult[];
      try {
        results = await Promise.all(texts.map((text, i) => storage.addMessage(chat, i % 2 ? a : b, text)));
        assert.equal(query.mock.callCount(), 1);
      } finally {
        query.mock.restore();
      }
      const ids = results.map(created);
      assert.ok(ascending(ids), `ids grow in the order sent: ${ids.join(', ')}`);
      const listed = await messagesIn(storage, chat);
      assert.deepEqual(
        listed.map((message) => [message.id, message.text]),
        ids.map((id, i) => [id, texts[i]]),
      );
      assert.equal(new Set(listed.map((message) => message.created_at)).size, 1);
      const [room] = (await storage.chatsOfUser(a)) ?? [];
      assert.equal(room?.last_message_at, listed[0]?.created_at);
    }));

  test('in one turn, each refused message gets its own reason and writes nothing, and its neighbours are stored', () =>
    withRoom(async ({ storage, url, a, b, chat }) => {
      const outsider = created(await storage.addUser('outsider'));
      const quiet = created(await storage.addChat('quiet', [a]));
      const nowhere = String(BigInt(quiet) + 1000n);
      const nobody = String(BigInt(outsider) + 1000n);
      const sent: [chat: string, author: string, text: string][] = [
        [chat, a, 'first'],
        [nowhere, a, 'to no chat'],
        [chat, b, 'second'],
        [chat, nobody, 'by nobody'],
        [chat, outsider, 'by an outsider'],
        [quiet, b, 'into a chat of others'],
        [chat, a, 'third'],
      ];
      const results = await Promise.all(sent.map(([to, by, text]) => storage.addMessage(to, by, text)));
      assert.deepEqual(
        results.map((result) => (result.ok ? 'stored' : result.reason)),
        ['stored', 'unknown_chat', 'stored', 'unknown_author', 'not_a_member', 'not_a_member', 'stored'],
      );
      assert.deepEqual(
        (await messagesIn(storage, chat)).map((message) => message.text),
        ['first', 'second', 'third'],
      );
      assert.deepEqual(await queryPostgres('SELECT count(*)::int AS count FROM messages', [], url), [{ count: 3 }]);
      const quietChat = (await storage.chatsOfUser(a))?.find((candidate) => candidate.id === quiet);
      assert.equal(quietChat?.last_message_at, null);
    }));

  test('two processes sending batches to the same chats at once neither deadlock nor lose, double or misorder a message', async () => {
    const database = await openPostgres();
    try {
      const { storage } = database;
      const other = database.twin?.();
      assert.ok(other);
      const writers = [storage, other];
      const users = await Promise.all(['a', 'b', 'c'].map(async (name) => created(await storage.addUser(name))));
      const chats: string[] = [];
      for (let i = 0; i < 6; i++) chats.push(created(await storage.addChat(`room ${i}`, users)));
      const sent = new Map<string, string[]>();
      const pending: Promise<unknown>[] = [];
      for (let turn = 0; turn < 20; turn++) {
        for (const [side, writer] of writers.entries()) {
          // One side goes up the chats, the other down: locked in arrival order, their batches would cross.
          const order = side === 0 ? [...chats, ...chats] : [...chats, ...chats].reverse();
          for (const [i, chat] of order.entries()) {
            const text = `${side}/${turn}/${i}`;
            sent.set(`${chat} ${side}/${turn}`, [...(sent.get(`${chat} ${side}/${turn}`) ?? []), text]);
            pending.push(writer.addMessage(chat, users[i % users.length] as string, text).then(created));
          }
        }
        await nextTurn();
      }
      await Promise.all(pending);
      for (const writer of writers) {
        // One statement per turn: a batch that failed and went again one message at a time would count more.
        assert.deepEqual(writer.figures().writeBatches, { committed: 20, writes: 20 * 2 * chats.length });
      }

      const rooms = (await storage.chatsOfUser(users[0] as string)) ?? [];
      const stored = new Set<string>();
      for (const chat of chats) {
        const listed = await messagesIn(storage, chat);
        for (const message of listed) stored.add(message.text);
        assert.ok(ascending(listed.map((message) => message.id)), `chat ${chat}: (created_at, id) order is id order`);
        for (const [key, texts] of sent) {
          const [to, batch] = key.split(' ');
          if (to !== chat) continue;
          const inBatch = listed.filter((message) => message.text.startsWith(`${batch}/`));
          assert.deepEqual(
            inBatch.map((message) => message.text),
            texts,
          );
        }
        const room = rooms.find((candidate) => candidate.id === chat);
        assert.equal(room?.last_message_at, listed.at(-1)?.created_at);
      }
      assert.equal(stored.size, pending.length);
      assert.deepEqual(await queryPostgres('SELECT count(*)::int AS count FROM messages', [], database.url), [
        { count: pending.length },
      ]);
    } finally {
      await database.close();
    }
  });

  test('a message the database cannot take fails alone, and the rest of its turn is stored', () =>
    withRoom(async ({ storage, a, b, chat }) => {
      // The HTTP layer refuses both before they reach the storage; called directly, each fails the batch.
      const [before, withNul, beyondBigint, after] = await Promise.allSettled([
        storage.addMessage(chat, a, 'before'),
        storage.addMessage(chat, b, 'a NUL \u0000 inside'),
        storage.addMessage('9223372036854775808', a, 'to a chat id beyond bigint'),
        storage.addMessage(chat, b, 'after'),
      ]);
      const codes = [withNul, beyondBigint].map((settled) => {
        assert.equal(settled?.status, 'rejected');
        assert.ok(settled.reason instanceof pg.DatabaseError, String(settled.reason));
        return settled.reason.code;
      });
      assert.deepEqual(codes, ['22021', '22003']);
      const ids = [before, after].map((settled) => {
        assert.equal(settled?.status, 'fulfilled');
        return created(settled.value);
      });
      assert.deepEqual(
        (await messagesIn(storage, chat)).map((message) => [message.id, message.text]),
        [
          [ids[0], 'before'],
          [ids[1], 'after'],
        ],
      );
    }));

  test('a batch locks its chats in id order, and draws message ids in arrival order once all are locked', () =>
    withRoom(async ({ url, a, b, chat }) => {
      const batch = statements.addMessages([chat, chat], [a, b], ['x', 'y'], new Date().toISOString());
      const [explained] = await queryPostgres<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) ${batch.text}`,
        batch.values,
        url,
      );
      const nodes = nodesOf(explained?.['QUERY PLAN'][0].Plan as PlanNode);
      const cte = (name: string) => nodes.find((node) => node['Subplan Name'] === `CTE ${name}`) as PlanNode;
      const reads = (node: PlanNode, name: string) => nodesOf(node).some((inner) => inner['CTE Name'] === name);

      // LockRows above the Sort: each row is locked as it leaves the sort, in id order.
      const locked = cte('locked');
      assert.equal(locked['Node Type'], 'LockRows');
      assert.equal(locked.Plans?.[0]?.['Node Type'], 'Sort');
      assert.match(locked.Plans?.[0]?.['Sort Key']?.join() ?? '', /^c(_\d+)?\.id$/);

      assert.ok(reads(cte('touched'), 'locked'), 'the UPDATE reads the locked chats');
      const inserted = cte('inserted');
      assert.ok(reads(inserted, 'touched'), 'the INSERT reads the updated chats');
      // The id is drawn in the projection above the Sort on arrival, which reads every locked chat first.
      const drawing = inserted.Plans?.[0];
      assert.match(drawing?.Output?.[0] ?? '', /^nextval\('messages_id_seq'/);
      assert.equal(drawing?.Plans?.[0]?.['Node Type'], 'Sort');
      assert.match(drawing?.Plans?.[0]?.['Sort Key']?.join() ?? '', /^i(_\d+)?\.arrival$/);
    }));

  test('a database of the first schema is upgraded in place, keeping its rows', async () => {
    const database = await createScratchDatabase();
    const storage = new PostgresStorage(database.url);
    try {
      await queryPostgres(
        `CREATE TABLE schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL);
         ${POSTGRES_MIGRATIONS[0]};
         INSERT INTO schema_migrations VALUES (1, now());
         INSERT INTO users (username, created_at) VALUES ('ann', now())`,
        [],
        database.url,
      );
      await storage.migrate();
      const applied = await queryPostgres('SELECT version FROM schema_migrations ORDER BY version', [], database.url);
      assert.deepEqual(
        applied.map((row) => row.version),
        POSTGRES_MIGRATIONS.map((_, index) => index + 1),
      );
      const key = { key: 'k', fingerprint: 'users/add' };
      assert.deepEqual(await storage.addUser('ann', key), { ok: false, reason: 'username_taken' });
      const bob = created(await storage.addUser('bob', key));
      assert.deepEqual(await storage.addUser('bob', key), { ok: true, id: bob });
    } finally {
      await storage.close();
      await database.drop();
    }
  });

  test('a burst of one-key messages from two processes creates exactly one message', () =>
    withRoom(async ({ storage, url, a, chat }) => {
      // Another process: a pool of its own, whose connections race this one's for the key.
      const other = new PostgresStorage(url);
      try {
        await Promise.all([storage.ping(), other.ping()]);
        const key = { key: 'burst', fingerprint: 'messages/add once' };
        const results = await Promise.all(
          Array.from({ length: 32 }, (_, i) => (i % 2 ? other : storage).addMessage(chat, a, 'once', key)),
        );
        const ids = new Set(results.map(created));
        assert.equal(ids.size, 1);
        assert.deepEqual(
          (await messagesIn(storage, chat)).map((message) => message.id),
          [...ids],
        );
        const keys = await queryPostgres('SELECT key, entity_id::text AS id FROM idempotency_keys', [], url);
        assert.deepEqual(keys, [{ key: 'burst', id: [...ids][0] }]);
      } finally {
        await other.close();
      }
    }));

  test('a request waits for a transaction that holds its key, and creates once that one rolls back', () =>
    withRoom(async ({ storage, url, a, chat }) => {
      const key = { key: 'held', fingerprint: 'messages/add held' };
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('INSERT INTO idempotency_keys VALUES ($1, $2, 0, now())', [key.key, key.fingerprint]);
        const request = storage.addMessage(chat, a, 'held', key);
        // The request is blocked on the holder's row lock, not merely slow to start.
        for (let attempt = 0; ; attempt++) {
          const waiting = await queryPostgres(
            `SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'parley' AND wait_event_type = 'Lock'`,
            [],
            url,
          );
          if (waiting.length > 0) break;
          assert.ok(attempt < 100, 'the request should wait for the key');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await holder.query('ROLLBACK');
        const id = created(await request);
        assert.deepEqual(
          (await messagesIn(storage, chat)).map((message) => message.id),
          [id],
        );
      } finally {
        await holder.end();
      }
    }));

  test('a page of the newest messages is an index range scan, not a sort of the chat', () =>
    withRoom(async ({ url, a, chat }) => {
      await queryPostgres(
        `INSERT INTO messages (chat_id, author_id, text, created_at, seq)
         SELECT $1::bigint, $2::bigint, 'm' || n, now() + n * interval '1 ms', n FROM generate_series(1, 20000) AS n`,
        [chat, a],
        url,
      );
      await queryPostgres('ANALYZE messages', [], url);
      const page = statements.newestMessages(chat, 20);
      const plan = await queryPostgres(`EXPLAIN (COSTS OFF) ${page.text}`, page.values, url);
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      assert.match(text, /Index (Only )?Scan Backward using messages_by_chat/);
      assert.doesNotMatch(text, /Sort/);
    }));

  test('users are found through their unique indexes, and a prefix is a range of users_username_key', async () => {
    const database = await openPostgres();
    try {
      const { url } = database;
      await queryPostgres(
        `INSERT INTO users (username, created_at) SELECT 'user_' || n, now() FROM generate_series(1, 20000) AS n`,
        [],
        url,
      );
      await queryPostgres('ANALYZE users', [], url);
      const planOf = async (query: pg.QueryConfig) =>
        (await queryPostgres(`EXPLAIN (COSTS OFF) ${query.text}`, query.values, url))
          .map((row) => row['QUERY PLAN'])
          .join('\n');
      const byId = await planOf(statements.usersById(['1', '2']));
      assert.match(byId, /Index Scan using users_pkey/, byId);
      const byUsername = await planOf(statements.usersByUsername(['user_1', 'user_2']));
      assert.match(byUsername, /Index Scan using users_username_key/, byUsername);
      const inRange = await planOf(statements.usersInRange('user_1', 'user_2', 20));
      assert.match(inRange, /Index Scan using users_username_key/, inRange);
      assert.match(inRange, /Index Cond: \(\(username >= .+\) AND \(username < .+\)\)/, inRange);
      const from = await planOf(statements.usersFrom('\u{10FFFF}', 20));
      assert.match(from, /Index Scan using users_username_key/, from);
      assert.match(from, /Index Cond: \(username >= /, from);
      for (const plan of [byId, byUsername, inRange, from]) assert.doesNotMatch(plan, /Seq Scan|Sort|Filter/, plan);
    } finally {
      await database.close();
    }
  });
});
