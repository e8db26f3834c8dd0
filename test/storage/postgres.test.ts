import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import pg from 'pg';
import { ParleyError } from '../../src/errors.js';
import { asStorageError } from '../../src/storage/postgres/errors.js';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/migrations.js';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { describeWithService, POSTGRES_ADMIN_URL } from '../support/databases.js';
import {
  createScratchDatabase,
  openPostgres,
  postgres,
  postgresAvailable,
  queryPostgres,
} from '../support/postgres-backend.js';
import { storageContract } from './contract.js';

const unavailable = (error: unknown) => error instanceof ParleyError && error.code === 'storage_unavailable';

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
      await assert.rejects(storage.messagesOfChat('1'), unavailable);
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
      assert.equal((await storage.messagesOfChat(chat))?.length, 1);
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
        const listed = (await storage.messagesOfChat(chat)) ?? [];
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
});
