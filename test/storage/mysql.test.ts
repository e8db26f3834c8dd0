import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import { ParleyError } from '../../src/errors.js';
import { parseMysqlUrl } from '../../src/storage/mysql/connection-url.js';
import { MYSQL_MIGRATIONS } from '../../src/storage/mysql/migrations.js';
import { MysqlStorage } from '../../src/storage/mysql/mysql-storage.js';
import { SESSION_SQL_MODE, SessionPool } from '../../src/storage/mysql/session-pool.js';
import type { Storage } from '../../src/storage/storage.js';
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
          () => storage.messagesOfChat('1'),
        ];
        for (const call of calls) await assert.rejects(call(), isUnavailable);
        await sleep(50);
      } finally {
        await storage.close();
        await storage.close();
      }
      await assert.rejects(storage.ping(), isUnavailable);
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
        const [message] = (await database.storage.messagesOfChat(chat.id)) ?? [];
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
