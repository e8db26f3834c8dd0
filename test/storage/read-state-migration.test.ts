import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Storage } from '../../src/chat/storage-port.js';
import type { Id } from '../../src/model/entities.js';
import { MysqlStorage } from '../../src/storage/mysql/index.js';
import { MYSQL_MIGRATIONS } from '../../src/storage/mysql/migrations.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/migrations.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite/migrations.js';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { describeWithService } from '../support/databases.js';
import * as mysql from '../support/mysql-backend.js';
import * as postgres from '../support/postgres-backend.js';
import { scratchSqliteFile } from '../support/sqlite-files.js';
import { created } from './contract-support.js';

/**
 * A database of the schema before read state, as it was populated: three users; chat 1 of all three
 * and chat 2 of the first two; messages (chat, author, seconds) inserted in id order. Where a backend
 * may hold them, times go back and forth within a chat, so that history order (created_at, id) is not
 * id order: the sequences must follow history order.
 */
const USERS = ['u1', 'u2', 'u3'];
const CHATS = [
  { name: 'c1', members: [1, 2, 3] },
  { name: 'c2', members: [1, 2] },
];
const SHUFFLED: [chat: number, author: number, second: number][] = [
  [1, 1, 3],
  [1, 2, 1],
  [1, 1, 2],
  [1, 2, 5],
  [1, 1, 4],
  [2, 2, 1],
  [2, 2, 2],
];
/** SQLite's rows are in history order by id already (one writer, times never going back). */
const IN_ORDER: typeof SHUFFLED = SHUFFLED.map(([chat, author], index) => [chat, author, index + 1]);
const BASE = Date.UTC(2026, 0, 1);

/** Each chat's message ids in history order, from the rows (ids are 1, 2, 3 … in insertion order). */
function histories(rows: typeof SHUFFLED): Map<number, { id: Id; author: number }[]> {
  const byChat = new Map<number, { id: Id; author: number; second: number }[]>();
  rows.forEach(([chat, author, second], index) => {
    byChat.set(chat, [...(byChat.get(chat) ?? []), { id: String(index + 1), author, second }]);
  });
  for (const history of byChat.values()) history.sort((x, y) => x.second - y.second || Number(x.id) - Number(y.id));
  return byChat;
}

/** What every member sees after the migration: their marker at their last message, the rest unread. */
async function checkMigrated(storage: Storage, rows: typeof SHUFFLED): Promise<void> {
  const byChat = histories(rows);
  for (const [chat, history] of byChat) {
    for (const member of CHATS[chat - 1]?.members ?? []) {
      const listed = (await storage.chatsOfUser(String(member)))?.find((candidate) => candidate.id === String(chat));
      const own = history.map((message) => message.author).lastIndexOf(member);
      assert.deepEqual(
        [listed?.last_read, listed?.unread],
        [own < 0 ? null : history[own]?.id, history.length - own - 1],
        `user ${member} in chat ${chat}`,
      );
    }
    // Each message's place follows history order: a marker on the k-th leaves the ones after it unread.
    for (const [place, message] of history.entries()) {
      const outsider = (CHATS[chat - 1]?.members ?? []).find((member) => !history.some((m) => m.author === member));
      if (outsider === undefined) break;
      const moved = await storage.markRead(String(chat), String(outsider), message.id);
      assert.ok(moved.ok);
      assert.equal(moved.state.unread, history.length - place - 1, `marker on message ${message.id}`);
    }
  }
  // New messages take the next places.
  const next = created(await storage.addMessage('1', '3', 'after the migration'));
  const c1 = byChat.get(1) ?? [];
  const u1 = (await storage.chatsOfUser('1'))?.find((chat) => chat.id === '1');
  const u1Own = c1.map((message) => message.author).lastIndexOf(1);
  assert.equal(u1?.unread, c1.length - u1Own);
  const u3 = (await storage.chatsOfUser('3'))?.find((chat) => chat.id === '1');
  assert.deepEqual([u3?.last_read, u3?.unread], [next, 0]);
}

test('a SQLite database of the schema before read state migrates in place, numbering messages in history order', async () => {
  const scratch = scratchSqliteFile();
  const db = openSqliteDatabase(scratch.file);
  for (const [index, sql] of SQLITE_MIGRATIONS.slice(0, 4).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${index + 1}`);
  }
  for (const username of USERS) db.prepare('INSERT INTO users (username, created_at) VALUES (?, 0)').run(username);
  for (const { name, members } of CHATS) {
    const chat = db.prepare('INSERT INTO chats (name, created_at) VALUES (?, 0)').run(name).lastInsertRowid;
    for (const [position, user] of members.entries()) {
      db.prepare('INSERT INTO chat_members (chat_id, user_id, position) VALUES (?, ?, ?)').run(chat, user, position);
    }
  }
  for (const [chat, author, second] of IN_ORDER) {
    db.prepare("INSERT INTO messages (chat_id, author_id, text, created_at) VALUES (?, ?, 'old', ?)").run(
      chat,
      author,
      BASE + second * 1000,
    );
    db.prepare('UPDATE chats SET last_message_at = ? WHERE id = ?').run(BASE + second * 1000, chat);
  }
  db.close();
  const storage = openSqliteStorage(scratch.file, { writeOnThisThread: true });
  try {
    await checkMigrated(storage, IN_ORDER);
  } finally {
    await storage.close();
    scratch.remove();
  }
});

describeWithService('PostgreSQL read-state migration', postgres.postgresAvailable, 'PostgreSQL', () => {
  test('a database of the schema before read state migrates in place, numbering messages in history order', async () => {
    const database = await postgres.createScratchDatabase();
    const at = (second: number) => new Date(BASE + second * 1000).toISOString();
    const statements = [
      'CREATE TABLE schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL)',
      ...POSTGRES_MIGRATIONS.slice(0, 3),
      'INSERT INTO schema_migrations VALUES (1, now()), (2, now()), (3, now())',
      ...USERS.map((username) => `INSERT INTO users (username, created_at) VALUES ('${username}', now())`),
      ...CHATS.flatMap(({ name, members }, index) => [
        `INSERT INTO chats (name, created_at, log_position) VALUES ('${name}', now(), 0)`,
        ...members.map(
          (user, position) =>
            `INSERT INTO chat_members (chat_id, user_id, position) VALUES (${index + 1}, ${user}, ${position})`,
        ),
      ]),
      ...SHUFFLED.map(
        ([chat, author, second]) =>
          `INSERT INTO messages (chat_id, author_id, text, created_at, log_position)
           VALUES (${chat}, ${author}, 'old', '${at(second)}', 0)`,
      ),
      'UPDATE chats AS c SET last_message_at = (SELECT max(created_at) FROM messages WHERE chat_id = c.id)',
    ];
    for (const sql of statements) await postgres.queryPostgres(sql, [], database.url);
    const storage = new PostgresStorage(database.url);
    try {
      await storage.migrate();
      await checkMigrated(storage, SHUFFLED);
    } finally {
      await storage.close();
      await database.drop();
    }
  });
});

describeWithService('MySQL read-state migration', mysql.mysqlAvailable, 'MySQL/MariaDB', () => {
  test('a database of the schema before read state migrates in place, numbering messages in history order', async () => {
    const database = await mysql.createScratchDatabase();
    const at = (second: number) => new Date(BASE + second * 1000).toISOString().slice(0, 23).replace('T', ' ');
    const run = (sql: string) => mysql.adminQuery(sql, [], database.url);
    await run(
      'CREATE TABLE schema_migrations (version INT PRIMARY KEY, applied_at DATETIME(3) NOT NULL) ENGINE = InnoDB',
    );
    for (const [index, step] of MYSQL_MIGRATIONS.slice(0, 5).entries()) {
      for (const statement of step) await run(typeof statement === 'string' ? statement : statement.sql);
      await run(`INSERT INTO schema_migrations VALUES (${index + 1}, UTC_TIMESTAMP(3))`);
    }
    for (const username of USERS) await run(`INSERT INTO users (username, created_at) VALUES ('${username}', NOW(3))`);
    for (const [index, { name, members }] of CHATS.entries()) {
      await run(`INSERT INTO chats (name, created_at, log_position) VALUES ('${name}', NOW(3), 0)`);
      for (const [position, user] of members.entries()) {
        await run(`INSERT INTO chat_members (chat_id, user_id, position) VALUES (${index + 1}, ${user}, ${position})`);
      }
    }
    for (const [chat, author, second] of SHUFFLED) {
      await run(
        `INSERT INTO messages (chat_id, author_id, text, created_at, log_position) VALUES (${chat}, ${author}, 'old', '${at(second)}', 0)`,
      );
    }
    await run(
      'UPDATE chats AS c SET last_message_at = (SELECT MAX(m.created_at) FROM messages AS m WHERE m.chat_id = c.id)',
    );
    const storage = new MysqlStorage(database.url);
    try {
      await storage.migrate();
      await checkMigrated(storage, SHUFFLED);
    } finally {
      await storage.close();
      await database.drop();
    }
  });
});
