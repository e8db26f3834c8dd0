import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import type { IdempotencyKey, Storage } from '../../src/chat/storage-port.js';
import { ParleyError } from '../../src/model/errors.js';
import { parseMysqlUrl } from '../../src/storage/mysql/connection-url.js';
import { MysqlStorage } from '../../src/storage/mysql/index.js';
import { type MigrationStatement, MYSQL_MIGRATIONS } from '../../src/storage/mysql/migrations.js';
import { SESSION_SQL_MODE, SessionPool } from '../../src/storage/mysql/session-pool.js';
import { messageRunStatement, SQL } from '../../src/storage/mysql/statements.js';
import { messagesIn } from '../support/backends.js';
import { describeWithService, MYSQL_ADMIN_URL, withDatabase } from '../support/databases.js';
import { adminQuery, createScratchDatabase, mysql, mysqlAvailable } from '../support/mysql-backend.js';
import { storageContract } from './contract.js';

const admin = parseMysqlUrl(MYSQL_ADMIN_URL);
const FIXED_TIME = Date.UTC(2026, 10, 24, 19, 5, 9, 375);

const isUnavailable = (error: unknown) => error instanceof ParleyError && error.code === 'storage_unavailable';

/** A MysqlStorage on a fresh, migrated database, and that database's name for raw checks. */
async function openStorage(clock?: () => number): Promise<{ storage: Storage; name: string; close(): Promise<void> }> {
  const database = await createScratchDatabase();
  const storage = new MysqlStorage(database.url, clock);
  await storage.migrate();
  return {
    storage,
    name: database.name,
    async close() {
      await storage.close();
      await database.drop();
    },
  };
}

/** Two MysqlStorage instances, each with its own pool (two processes), on one fresh, migrated database. */
async function withTwoProcesses(run: (first: Storage, second: Storage, name: string) => Promise<void>): Promise<void> {
  const database = await createScratchDatabase();
  const first = new MysqlStorage(database.url);
  const second = new MysqlStorage(database.url);
  try {
    await first.migrate();
    await run(first, second, database.name);
  } finally {
    await Promise.all([first.close(), second.close()]);
    await database.drop();
  }
}

/** The migration step that makes usernames and chat names unique by their exact bytes. */
const EXACT_NAMES_STEP = 4;

/**
 * Brings a fresh database to the schema of the steps before `step`, as `migrate` did when they were
 * the last, recording them; then applies the first `statements` of `step` itself without recording
 * it, as a migration that stopped halfway would leave it.
 */
async function migrateUpTo(url: string, step: number, statements = 0): Promise<void> {
  await adminQuery(
    'CREATE TABLE schema_migrations (version INT PRIMARY KEY, applied_at DATETIME(3) NOT NULL) ENGINE = InnoDB',
    [],
    url,
  );
  const run = (statement: MigrationStatement) =>
    adminQuery(typeof statement === 'string' ? statement : statement.sql, [], url);
  for (const [index, statementsOfStep] of MYSQL_MIGRATIONS.slice(0, step - 1).entries()) {
    for (const statement of statementsOfStep) await run(statement);
    await adminQuery('INSERT INTO schema_migrations VALUES (?, UTC_TIMESTAMP(3))', [index + 1], url);
  }
  for (const statement of MYSQL_MIGRATIONS[step - 1]?.slice(0, statements) ?? []) await run(statement);
}

/** Two users and their chat, on `storage`. */
async function room(storage: Storage): Promise<{ a: string; b: string; chat: string }> {
  const [a, b] = await Promise.all([storage.addUser('a'), storage.addUser('b')]);
  assert.ok(a.ok && b.ok);
  const chat = await storage.addChat('room', [a.id, b.id]);
  assert.ok(chat.ok);
  return { a: a.id, b: b.id, chat: chat.id };
}

/** `count` calls, alternating between the two storages, all started at once. */
const burst = <T>(count: number, first: Storage, second: Storage, call: (storage: Storage, i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, i) => call(i % 2 ? second : first, i)));

describe('MySQL URLs', () => {
  test("the seed's mysql+pymysql:// form: user, URL-decoded password, host, default port, database", () => {
    assert.deepEqual(parseMysqlUrl('mysql+pymysql://avitochat:p%40ss%3Aw%2Frd@dbserver/chat'), {
      host: 'dbserver',
      port: 3306,
      user: 'avitochat',
      password: 'p@ss:w/rd',
      database: 'chat',
    });
  });

  test('mysql:// with a port, an IPv6 host and no database', () => {
    assert.deepEqual(parseMysqlUrl('mysql://root@[::1]:3307/'), {
      host: '::1',
      port: 3307,
      user: 'root',
      password: '',
      database: undefined,
    });
  });

  test('a URL that cannot be read is refused without quoting its password', () => {
    assert.throws(
      () => parseMysqlUrl('mysql://user:secret@'),
      (error: Error) => !error.message.includes('secret'),
    );
    assert.throws(() => parseMysqlUrl('postgres://user@host/db'), /mysql:\/\//);
  });
});

describeWithService('MySQL storage', mysqlAvailable, `MySQL/MariaDB at ${admin.host}:${admin.port}`, () => {
  storageContract(mysql);

  describe('MySQL backend', () => {
    test("a mysql+pymysql:// URL without a port works unchanged, as the seed's deployment string", async () => {
      const database = await createScratchDatabase();
      const url = `mysql+pymysql://${admin.user}:${encodeURIComponent(admin.password)}@${admin.host}/${database.name}`;
      const storage = new MysqlStorage(url);
      try {
        await storage.migrate();
        const user = await storage.addUser('seed');
        assert.ok(user.ok);
        assert.deepEqual(await storage.chatsOfUser(user.id), []);
      } finally {
        await storage.close();
        await database.drop();
      }
    });

    test('two processes migrating one new database at once both succeed and apply each step once', async () => {
      const database = await createScratchDatabase();
      const first = new MysqlStorage(database.url);
      const second = new MysqlStorage(database.url);
      try {
        await Promise.all([first.migrate(), second.migrate(), first.migrate()]);
        const rows = await adminQuery(`SELECT version FROM \`${database.name}\`.schema_migrations ORDER BY version`);
        assert.deepEqual(
          rows.map((row) => Number(row.version)),
          MYSQL_MIGRATIONS.map((_, index) => index + 1),
        );
        await second.migrate();
        const user = await first.addUser('both');
        assert.ok(user.ok);
        assert.deepEqual(await second.chatsOfUser(user.id), []);
      } finally {
        await Promise.all([first.close(), second.close()]);
        await database.drop();
      }
    });

    describe('names unique by their exact bytes (step 4), not by the PAD SPACE collation', () => {
      test('a database made by the earlier steps, with data, upgrades and then takes "x " beside "x"', async () => {
        const database = await createScratchDatabase();
        const storage = new MysqlStorage(database.url);
        try {
          await migrateUpTo(database.url, EXACT_NAMES_STEP);
          const table = (name: string) => `\`${database.name}\`.${name}`;
          await adminQuery(`INSERT INTO ${table('users')} (id, username, created_at) VALUES ?`, [
            [
              [1, 'x', '2026-01-01 00:00:00.000'],
              [2, ' x', '2026-01-01 00:00:00.000'],
              [3, '𝔘', '2026-01-01 00:00:00.000'],
            ],
          ]);
          await adminQuery(
            `INSERT INTO ${table('chats')} (id, name, created_at, log_position) VALUES (1, 'room', '2026-01-01 00:00:00.000', 0)`,
          );
          await adminQuery(
            `INSERT INTO ${table('chat_members')} (chat_id, user_id, position) VALUES (1, 1, 0), (1, 2, 1)`,
          );
          await assert.rejects(
            adminQuery(`INSERT INTO ${table('users')} (username, created_at) VALUES ('x ', '2026-01-01 00:00:00.000')`),
            /Duplicate entry/,
            'before the upgrade, the PAD SPACE key refuses "x " beside "x"',
          );

          await storage.migrate();
          const versions = await adminQuery(`SELECT version FROM ${table('schema_migrations')} ORDER BY version`);
          assert.deepEqual(
            versions.map((row) => Number(row.version)),
            MYSQL_MIGRATIONS.map((_, index) => index + 1),
          );
          const keys = await adminQuery(
            `SELECT table_name AS t, index_name AS k FROM information_schema.statistics
             WHERE table_schema = ? AND non_unique = 0 AND index_name <> 'PRIMARY' ORDER BY t, k`,
            [database.name],
          );
          assert.deepEqual(
            keys.map((row) => `${row.t}.${row.k}`),
            ['chats.chats_name_bytes', 'users.users_username_bytes'],
          );

          const spaced = await storage.addUser('x ');
          assert.ok(spaced.ok);
          assert.deepEqual(await storage.addUser('x'), { ok: false, reason: 'username_taken' });
          assert.deepEqual(await storage.addUser(' x'), { ok: false, reason: 'username_taken' });
          assert.deepEqual(await storage.addUser('x '), { ok: false, reason: 'username_taken' });
          assert.deepEqual(await storage.addUser('𝔘'), { ok: false, reason: 'username_taken' });
          const names = await adminQuery(`SELECT id, HEX(username) AS hex FROM ${table('users')} ORDER BY id`);
          assert.deepEqual(
            names.map((row) => [String(row.id), row.hex]),
            [
              ['1', '78'],
              ['2', '2078'],
              ['3', 'F09D9498'],
              [spaced.id, '7820'],
            ],
          );

          assert.deepEqual(await storage.addChat('room', ['1', '2']), { ok: false, reason: 'name_taken' });
          const spacedRoom = await storage.addChat('room ', ['1', spaced.id]);
          assert.ok(spacedRoom.ok);
          assert.deepEqual(await storage.addChat('room ', ['1', '2']), { ok: false, reason: 'name_taken' });
          assert.ok((await storage.addMessage('1', '2', 'old chat, new message')).ok);
          assert.deepEqual(
            (await storage.chatsOfUser('1'))?.map((chat) => [chat.id, chat.name, chat.users]),
            [
              ['1', 'room', ['1', '2']],
              [spacedRoom.id, 'room ', ['1', spaced.id]],
            ],
          );
        } finally {
          await storage.close();
          await database.drop();
        }
      });

      test('a step 4 that stopped after its first ALTER runs again to the end', async () => {
        const database = await createScratchDatabase();
        const storage = new MysqlStorage(database.url);
        try {
          await migrateUpTo(database.url, EXACT_NAMES_STEP, 1);
          await storage.migrate();
          await storage.migrate();
          const users = [await storage.addUser('x'), await storage.addUser('x ')];
          assert.ok(users[0]?.ok && users[1]?.ok);
          assert.ok((await storage.addChat('room', [users[0].id, users[1].id])).ok);
          assert.ok((await storage.addChat('room ', [users[0].id, users[1].id])).ok);
          assert.deepEqual(await storage.addChat('room', [users[0].id, users[1].id]), {
            ok: false,
            reason: 'name_taken',
          });
        } finally {
          await storage.close();
          await database.drop();
        }
      });
    });

    test('a database that cannot be reached fails every call as storage_unavailable, without crashing', async () => {
      const storage = new MysqlStorage('mysql://root@127.0.0.1:1/parley');
      try {
        const calls: (() => Promise<unknown>)[] = [
          () => storage.migrate(),
          () => storage.ping(),
          () => storage.addUser('a'),
          () => storage.addChat('room', ['1', '2']),
          () => storage.addMessage('1', '1', 'x'),
          () => storage.chatsOfUser('1'),
          () => storage.findUsers({ usernames: ['a'] }),
          () => storage.messageRun('1', { direction: 'forward' }),
          () => storage.addUser('a', { key: 'k', fingerprint: 'f' }),
          () => storage.chatsOfUser('1', { limit: 2, after: { active: true, at: 0, id: '1' } }),
          () => storage.messageRun('1', { direction: 'backward', limit: 2, from: '1' }),
          () => storage.forgetIdempotencyKeys(0, 10),
        ];
        for (const call of calls) await assert.rejects(call(), isUnavailable);
        await sleep(50);
      } finally {
        await storage.close();
        await storage.close();
      }
      await assert.rejects(storage.ping(), isUnavailable);
    });

    describe('idempotency keys across processes', () => {
      const key = (fingerprint: string): IdempotencyKey => ({ key: 'burst', fingerprint });

      test('a burst of one key from two processes creates exactly one message, and records its id', () =>
        withTwoProcesses(async (first, second, name) => {
          const { a, chat } = await room(first);
          const results = await burst(32, first, second, (storage) => storage.addMessage(chat, a, 'once', key('f')));
          const ids = new Set(results.map((result) => (result.ok ? result.id : result.reason)));
          assert.equal(ids.size, 1, `one answer for all: ${[...ids].join(', ')}`);
          const [id] = ids;
          assert.deepEqual(
            (await messagesIn(second, chat)).map((message) => message.id),
            [id],
          );
          const rows = await adminQuery(
            `SELECT CAST(\`key\` AS CHAR) AS \`key\`, entity_id FROM \`${name}\`.idempotency_keys`,
          );
          assert.deepEqual(
            rows.map((row) => ({ ...row })),
            [{ key: 'burst', entity_id: id }],
          );
        }));

      test('one key raced with two different requests: one is created, the other refused as key_reused', () =>
        withTwoProcesses(async (first, second) => {
          const { a, chat } = await room(first);
          const results = await burst(24, first, second, (storage, i) =>
            storage.addMessage(chat, a, i % 3 ? 'this' : 'that', key(i % 3 ? 'this' : 'that')),
          );
          const stored = await messagesIn(first, chat);
          assert.equal(stored.length, 1);
          const winner = stored[0]?.text;
          results.forEach((result, i) => {
            const expected =
              (i % 3 ? 'this' : 'that') === winner
                ? { ok: true, id: stored[0]?.id }
                : { ok: false, reason: 'key_reused' };
            assert.deepEqual(result, expected, `request ${i}`);
          });
        }));

      test('a burst of one key refused everywhere leaves the key unclaimed and free', () =>
        withTwoProcesses(async (first, second, name) => {
          const { a, chat } = await room(first);
          const outsider = await first.addUser('outsider');
          assert.ok(outsider.ok);
          const results = await burst(24, first, second, (storage) =>
            storage.addMessage(chat, outsider.id, 'no', key('f')),
          );
          for (const result of results) assert.deepEqual(result, { ok: false, reason: 'not_a_member' });
          assert.deepEqual(await adminQuery(`SELECT * FROM \`${name}\`.idempotency_keys`), []);
          const created = await second.addMessage(chat, a, 'yes', key('f'));
          assert.ok(created.ok);
          assert.deepEqual(await first.addMessage(chat, a, 'yes', key('f')), created);
        }));
    });

    describe('query plans', () => {
      test('pages of messages walk messages_by_chat: newest ones in order, keyset ones as a range', () =>
        withTwoProcesses(async (storage, _, name) => {
          const { a, chat } = await room(storage);
          const other = await storage.addChat('other', [a]);
          assert.ok(other.ok);
          // Enough rows, in two chats, for the optimizer to prefer the index to a scan.
          const start = Date.UTC(2026, 0, 1);
          const rows = Array.from({ length: 4_000 }, (_, i) => [
            i % 2 ? chat : other.id,
            a,
            `m${i}`,
            new Date(start + Math.floor(i / 4) * 1000).toISOString().slice(0, 23).replace('T', ' '),
          ]);
          await adminQuery(`INSERT INTO \`${name}\`.messages (chat_id, author_id, text, created_at) VALUES ?`, [rows]);
          await adminQuery(`ANALYZE TABLE \`${name}\`.messages`);
          const [near] = await adminQuery(
            `SELECT id, created_at FROM \`${name}\`.messages WHERE chat_id = ? ORDER BY created_at, id LIMIT 1 OFFSET 1900`,
            [chat],
          );
          const [early] = await adminQuery(
            `SELECT id, created_at FROM \`${name}\`.messages WHERE chat_id = ? ORDER BY created_at, id LIMIT 1 OFFSET 100`,
            [chat],
          );
          assert.ok(near && early);
          const pool = new SessionPool(parseMysqlUrl(withDatabase(MYSQL_ADMIN_URL, name)), 1);
          const explain = (page: ReturnType<typeof messageRunStatement>) =>
            pool.use(async (connection) => {
              // Prepared, as the backend runs it: the LIMIT travels as a placeholder.
              const [plan] = await connection.execute<RowDataPacket[]>(`EXPLAIN ${page.sql}`, page.values);
              assert.equal(plan.length, 1);
              return plan[0] as RowDataPacket;
            });
          try {
            const newest = await explain(messageRunStatement(chat, 'backward', undefined, 50));
            assert.equal(newest.key, 'messages_by_chat');
            assert.doesNotMatch(String(newest.Extra), /filesort/);
            for (const anchor of [
              { side: 'forward', id: String(near.id), at: String(near.created_at) } as const,
              { side: 'backward', id: String(early.id), at: String(early.created_at) } as const,
            ]) {
              const plan = await explain(messageRunStatement(chat, anchor.side, anchor, 50));
              assert.deepEqual(
                { type: plan.type, key: plan.key },
                { type: 'range', key: 'messages_by_chat' },
                anchor.side,
              );
              assert.doesNotMatch(String(plan.Extra), /filesort/);
            }
          } finally {
            await pool.end();
          }
          const page = await messagesIn(storage, chat, { limit: 3, after: String(near.id) });
          assert.equal(page.length, 3);
        }));

      test('users are found through PRIMARY and users_username_bytes, and a prefix is a range of the bytes', () =>
        withTwoProcesses(async (storage, _, name) => {
          const rows = Array.from({ length: 5_000 }, (_, i) => [`user_${i}`, '2026-01-01 00:00:00.000']);
          await adminQuery(`INSERT INTO \`${name}\`.users (username, created_at) VALUES ?`, [rows]);
          await adminQuery(`ANALYZE TABLE \`${name}\`.users`);
          const bytes = (text: string) => Buffer.from(text, 'utf8');
          const pool = new SessionPool(parseMysqlUrl(withDatabase(MYSQL_ADMIN_URL, name)), 1);
          // As the backend runs them: lists as literals (query), a prefix's bounds as binary parameters (execute).
          const plans = pool.use(async (connection) => {
            const explain = async (run: Promise<[RowDataPacket[], unknown]>) => {
              const [plan] = await run;
              assert.equal(plan.length, 1);
              return plan[0] as RowDataPacket;
            };
            return {
              byId: await explain(connection.query(`EXPLAIN ${SQL.usersById}`, [[1n, 2n, 2n ** 63n - 1n]])),
              byUsername: await explain(
                connection.query(`EXPLAIN ${SQL.usersByUsername}`, [[bytes('user_1'), bytes('user_2')]]),
              ),
              inRange: await explain(
                connection.execute(`EXPLAIN ${SQL.usersInRange}`, [bytes('user_1'), bytes('user_2'), '20']),
              ),
              from: await explain(connection.execute(`EXPLAIN ${SQL.usersFrom}`, [bytes('\u{10FFFF}'), '20'])),
            };
          });
          const { byId, ...byUsernameBytes } = await plans.finally(() => pool.end());
          assert.deepEqual({ type: byId.type, key: byId.key }, { type: 'range', key: 'PRIMARY' });
          for (const [shape, plan] of Object.entries(byUsernameBytes)) {
            assert.deepEqual({ type: plan.type, key: plan.key }, { type: 'range', key: 'users_username_bytes' }, shape);
            assert.doesNotMatch(String(plan.Extra), /filesort/, shape);
          }
          assert.deepEqual(
            (await storage.findUsers({ prefix: 'user_10', limit: 3 })).map((user) => user.username),
            ['user_10', 'user_100', 'user_1000'],
          );
        }));
    });

    describe('on a migrated database', () => {
      let database: Awaited<ReturnType<typeof openStorage>>;
      let now = FIXED_TIME;
      before(async () => {
        database = await openStorage(() => now);
      });
      after(() => database.close());

      test("every connection runs in MySQL 5.7's strict sql_mode, in UTC, in utf8mb4", async () => {
        const pool = new SessionPool(parseMysqlUrl(withDatabase(MYSQL_ADMIN_URL, database.name)), 2);
        try {
          const sessions = await Promise.all(
            [1, 2].map(() =>
              pool.use(async (connection) => {
                const [[session]] = await connection.query<RowDataPacket[]>(
                  'SELECT @@SESSION.sql_mode AS sql_mode, @@SESSION.time_zone AS time_zone, ' +
                    '@@character_set_client AS client, @@character_set_results AS results, ' +
                    '@@collation_connection AS collation',
                );
                await sleep(20);
                return session;
              }),
            ),
          );
          for (const session of sessions) {
            assert.deepEqual(
              { ...session },
              {
                sql_mode: SESSION_SQL_MODE,
                time_zone: '+00:00',
                client: 'utf8mb4',
                results: 'utf8mb4',
                collation: 'utf8mb4_bin',
              },
            );
          }
        } finally {
          await pool.end();
        }
      });

      test('times are stored as UTC DATETIME(3) and read back exactly', async () => {
        now = FIXED_TIME;
        const user = await database.storage.addUser('timely');
        assert.ok(user.ok);
        const [row] = await adminQuery(`SELECT created_at FROM \`${database.name}\`.users WHERE id = ?`, [user.id]);
        assert.equal(row?.created_at, '2026-11-24 19:05:09.375');
        now = Date.UTC(2026, 10, 24, 19, 5, 10, 0);
        const other = await database.storage.addUser('whole second');
        assert.ok(other.ok);
        const chat = await database.storage.addChat('times', [user.id, other.id]);
        assert.ok(chat.ok);
        await database.storage.addMessage(chat.id, user.id, 'tick');
        const [message] = await messagesIn(database.storage, chat.id);
        assert.equal(message?.created_at, '2026-11-24T19:05:10.000Z');
      });

      test('a chat of thousands of members keeps their order, and the first unknown one is named', async () => {
        const count = 2_500;
        const rows = Array.from({ length: count }, (_, i) => [`crowd-${i}`, '2026-01-01 00:00:00.000']);
        await adminQuery(`INSERT INTO \`${database.name}\`.users (username, created_at) VALUES ?`, [rows]);
        const ids = (
          await adminQuery(`SELECT id FROM \`${database.name}\`.users WHERE username LIKE 'crowd-%' ORDER BY id`)
        ).map((row) => String(row.id));
        const members = ids.reverse();
        const missing = String(BigInt(members[0] ?? '0') + 1_000_000n);
        const withUnknown = [...members.slice(0, 2_100), missing, ...members.slice(2_100), `${missing}1`];
        assert.deepEqual(await database.storage.addChat('crowd', withUnknown), {
          ok: false,
          reason: 'unknown_user',
          userId: missing,
        });
        const chat = await database.storage.addChat('crowd', members);
        assert.ok(chat.ok);
        const listed = (await database.storage.chatsOfUser(members[1_500] ?? ''))?.find((c) => c.id === chat.id);
        assert.deepEqual(listed?.users, members);
      });

      test('a connection the server drops is reported as unavailable once, then replaced', async () => {
        await database.storage.ping();
        const connections = await adminQuery('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [
          database.name,
        ]);
        assert.ok(connections.length > 0);
        for (const connection of connections) await adminQuery(`KILL ${Number(connection.ID)}`);
        await sleep(100);
        await database.storage.ping().catch((error: unknown) => assert.ok(isUnavailable(error), String(error)));
        await database.storage.ping();
      });
    });
  });
});
