import http from 'node:http';
import { migrate } from '../src/storage/sqlite/migrations.js';
import { openSqliteDatabase } from '../src/storage/sqlite/open-database.js';

/**
 * A diagnostic between the ceiling and Parley SQLite: the least work a durable /messages/add can do, as
 * the 0.70× goal was first measured. node:http reads the body and `JSON.parse`s it; the messages of one
 * turn of the event loop are inserted and committed on this thread in one transaction
 * (`synchronous=FULL`, as Parley opens its file), and only then answered `201 {"id": …}`. Parley's schema with all its indexes, seeded as the Parley runs
 * are (chat k holds users 2k-1 and 2k); no framework, validation, chat rules, event log or log lines.
 * With `bare`, one table of messages with one index on the chat instead, and no foreign keys: what
 * Parley's schema costs.
 */
const [file, chats = '100', schema = 'parley'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: sqlite-ceiling-server.ts <database file> [chats] [parley|bare]');
const PAIR_CHATS = Number(chats);

const db = openSqliteDatabase(file);
if (schema === 'bare') {
  db.pragma('foreign_keys = OFF');
  db.exec(`CREATE TABLE messages (
    id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, author_id INTEGER NOT NULL, text TEXT NOT NULL,
    created_at INTEGER NOT NULL, log_position INTEGER NOT NULL);
  CREATE INDEX messages_by_chat_id ON messages (chat_id);`);
} else {
  migrate(db);
  seedPairChats();
}

function seedPairChats(): void {
  db.transaction(() => {
    const user = db.prepare('INSERT INTO users (id, username, created_at) VALUES (?, ?, 0)');
    const chat = db.prepare('INSERT INTO chats (id, name, created_at) VALUES (?, ?, 0)');
    const member = db.prepare('INSERT INTO chat_members (chat_id, user_id, position) VALUES (?, ?, ?)');
    for (let k = 1; k <= PAIR_CHATS; k++) {
      user.run(2 * k - 1, `bench_user_${2 * k - 1}`);
      user.run(2 * k, `bench_user_${2 * k}`);
      chat.run(k, `bench_chat_${k}`);
      member.run(k, 2 * k - 1, 0);
      member.run(k, 2 * k, 1);
    }
  })();
}

const insert = db.prepare(
  'INSERT INTO messages (chat_id, author_id, text, created_at, log_position) VALUES (?, ?, ?, ?, ?)',
);
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
let position = 0;

interface Pending {
  body: { chat: string; author: string; text: string };
  response: http.ServerResponse;
}
let pending: Pending[] = [];

const commitPending = () => {
  const writes = pending;
  pending = [];
  const answers: string[] = [];
  begin.run();
  for (const { body } of writes) {
    try {
      const id = insert.run(body.chat, body.author, body.text, Date.now(), ++position).lastInsertRowid;
      answers.push(JSON.stringify({ id: String(id) }));
    } catch {
      answers.push('');
    }
  }
  commit.run();
  writes.forEach(({ response }, index) => {
    const answer = answers[index] as string;
    if (answer === '') response.writeHead(422).end();
    else response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end(answer);
  });
};

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: Pending['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (pending.length === 0) setImmediate(commitPending);
    pending.push({ body, response });
  });
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 9003), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
