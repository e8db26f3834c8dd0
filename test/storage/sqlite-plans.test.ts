import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database, Statement } from 'better-sqlite3';
import { prepareEventStatements } from '../../src/storage/sqlite/event-log.js';
import { migrate, SQLITE_MIGRATIONS } from '../../src/storage/sqlite/migrations.js';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { prepareStatements } from '../../src/storage/sqlite/statements.js';

const planOf = (db: Database, statement: Statement, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...params) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');

/** Two chats of two users, `perChat` messages each, interleaved, with log positions in id order. */
function seed(db: Database, perChat: number): void {
  db.exec(`INSERT INTO users (id, username, created_at) VALUES (1, 'a', 0), (2, 'b', 0);
           INSERT INTO chats (id, name, created_at, log_position) VALUES (1, 'one', 0, 1), (2, 'two', 0, 2);
           INSERT INTO chat_members (chat_id, user_id, position) VALUES (1, 1, 0), (1, 2, 1), (2, 1, 0), (2, 2, 1);`);
  const insert = db.prepare(
    'INSERT INTO messages (chat_id, author_id, text, created_at, log_position) VALUES (?, 1, ?, ?, ?)',
  );
  for (let index = 0; index < 2 * perChat; index++)
    insert.run(1 + (index % 2), `m${index}`, Math.floor(index / 4), 3 + index);
  db.exec(`UPDATE event_log_head SET position = ${2 + 2 * perChat}`);
}

test('a chat’s pages and live events are ranges of one index, never a scan or a sort of the chat', () => {
  const db = openSqliteDatabase(':memory:');
  migrate(db);
  seed(db, 500);
  const statements = prepareStatements(db);
  const events = prepareEventStatements(db);
  for (const [name, plan] of [
    ['messagesAfter', planOf(db, statements.messagesAfter, 1n, 100n, 20)],
    ['messagesBefore', planOf(db, statements.messagesBefore, 1n, 900n, 20)],
    ['newestMessages', planOf(db, statements.newestMessages, 1n, 20)],
    ['oldestMessages', planOf(db, statements.oldestMessages, 1n, 20)],
    ['chatEvents', planOf(db, events.chatEvents, { after: 600, limit: 20, scope: 1n })],
  ] as const) {
    assert.match(plan, /SEARCH m USING INDEX messages_by_chat_id \(chat_id=\?/, `${name}:\n${plan}`);
    // Only the union of a chat's events sorts, and only the rows its parts kept (at most `limit` each).
    const sorts = plan.replace(/SCAN \(subquery-\d+\)\nUSE TEMP B-TREE FOR ORDER BY/g, '');
    assert.doesNotMatch(sorts, /SCAN m|TEMP B-TREE/, `${name}:\n${plan}`);
  }
  const userPlan = planOf(db, events.userEvents, { after: 600, limit: 20, scope: 1n });
  assert.match(userPlan, /SEARCH m USING INDEX messages_by_chat_id \(chat_id=\? AND rowid>\?\)/, userPlan);
  db.close();
});

test('live events of a chat after a position are exactly its messages past it, in log order', () => {
  const db = openSqliteDatabase(':memory:');
  migrate(db);
  seed(db, 50);
  const events = prepareEventStatements(db);
  const positions = (after: number, limit: number) =>
    (events.chatEvents.all({ after, limit, scope: 2n }) as { position: number }[]).map((row) => row.position);
  // Chat 2 holds the messages at even offsets from position 4: 4, 6, … 102.
  assert.deepEqual(positions(0, 3), [4, 6, 8]);
  assert.deepEqual(positions(4, 3), [6, 8, 10]);
  assert.deepEqual(positions(5, 2), [6, 8]);
  assert.deepEqual(positions(101, 5), [102]);
  assert.deepEqual(positions(102, 5), []);
  db.close();
});

test('after migrating a database of the older schema, pages and events keep `created_at, id` and log order', () => {
  const db = openSqliteDatabase(':memory:');
  for (const [index, sql] of SQLITE_MIGRATIONS.slice(0, 3).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${index + 1}`);
  }
  seed(db, 30);
  migrate(db);
  assert.equal(db.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  const statements = prepareStatements(db);
  const events = prepareEventStatements(db);
  const ids = (rows: unknown[]) => (rows as { id: string }[]).map((row) => row.id);
  const reference = (sql: string) => db.prepare(sql).pluck().all().map(String);
  assert.deepEqual(
    ids(statements.oldestMessages.all(1n, -1)),
    reference('SELECT id FROM messages WHERE chat_id = 1 ORDER BY created_at, id'),
  );
  assert.deepEqual(
    ids(statements.messagesAfter.all(1n, 11n, 5)),
    reference(
      'SELECT id FROM messages WHERE chat_id = 1 AND (created_at, id) > ((SELECT created_at FROM messages WHERE id = 11), 11) ORDER BY created_at, id LIMIT 5',
    ),
  );
  assert.deepEqual(
    ids(statements.messagesBefore.all(2n, 40n, 5)),
    reference(
      'SELECT id FROM messages WHERE chat_id = 2 AND (created_at, id) < ((SELECT created_at FROM messages WHERE id = 40), 40) ORDER BY created_at DESC, id DESC LIMIT 5',
    ),
  );
  assert.deepEqual(
    (events.userEvents.all({ after: 20, limit: 10, scope: 1n }) as { position: number }[]).map((row) => row.position),
    Array.from({ length: 10 }, (_, index) => 21 + index),
  );
  db.close();
});

test('users are found by searches of their unique indexes, and a prefix is a range of the username index', () => {
  const db = openSqliteDatabase(':memory:');
  migrate(db);
  const insert = db.prepare('INSERT INTO users (username, created_at) VALUES (?, 0)');
  for (let index = 0; index < 1000; index++) insert.run(`user_${index}`);
  const statements = prepareStatements(db);
  const byId = planOf(db, statements.usersById, '[1,2,3]');
  assert.match(byId, /SEARCH u USING INTEGER PRIMARY KEY \(rowid=\?\)/, byId);
  const byUsername = planOf(db, statements.usersByUsername, '["user_1","user_2"]');
  assert.match(byUsername, /SEARCH u USING INDEX sqlite_autoindex_users_1 \(username=\?\)/, byUsername);
  const inRange = planOf(db, statements.usersInRange, 'user_1', 'user_2', 20);
  assert.match(inRange, /SEARCH u USING INDEX sqlite_autoindex_users_1 \(username>\? AND username<\?\)/, inRange);
  const from = planOf(db, statements.usersFrom, '\u{10FFFF}', 20);
  assert.match(from, /SEARCH u USING INDEX sqlite_autoindex_users_1 \(username>\?\)/, from);
  for (const plan of [byId, byUsername, inRange, from]) assert.doesNotMatch(plan, /SCAN u|TEMP B-TREE/, plan);
  db.close();
});
