import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { migrate } from '../src/storage/sqlite/migrations.js';
import { openSqliteDatabase } from '../src/storage/sqlite/open-database.js';
import { WriteBatch } from '../src/storage/sqlite/write-batch.js';
import { SqliteWrites, type WriteCommand } from '../src/storage/sqlite/writes.js';
import { Random } from './generate/random.js';
import { runBench } from './support/entry.js';
import { outDir } from './support/paths.js';
import { median, percentile } from './support/stats.js';
import { markdownTable } from './support/table.js';

/**
 * `npm run bench:commit`: what one group commit of /messages/add writes costs, alone, with nothing else
 * running: Parley's schema, statements and WriteBatch on a durable file, messages spread over 100 chats
 * that already hold 100,000, against the same with the two per-chat indexes of the schema before
 * migration 4. The time is the whole commit: BEGIN, each write in its savepoint, COMMIT with its fsync.
 */
const CHATS = 100;
const PREFILL = 100_000;
const BATCHES = 1500;
const SIZES = [1, 25, 50];

const LAYOUTS: Record<string, string> = {
  'one per-chat index (now)': '',
  'two per-chat indexes (before migration 4)': `CREATE INDEX messages_by_chat ON messages (chat_id, created_at, id);
     CREATE INDEX messages_by_chat_log_position ON messages (chat_id, log_position);
     DROP INDEX messages_by_chat_id;`,
};

function seed(db: Database, layout: string): void {
  migrate(db);
  db.exec(layout);
  const users = db.prepare("INSERT INTO users (username, created_at) VALUES ('u' || ?, 0)");
  const chats = db.prepare("INSERT INTO chats (name, created_at) VALUES ('c' || ?, 0)");
  const members = db.prepare('INSERT INTO chat_members (chat_id, user_id, position) VALUES (?, ?, 0)');
  const messages = db.prepare(
    "INSERT INTO messages (chat_id, author_id, text, created_at) VALUES (?, ?, 'prefill', 0)",
  );
  db.transaction(() => {
    for (let chat = 1; chat <= CHATS; chat++) {
      users.run(chat);
      chats.run(chat);
      members.run(chat, chat);
    }
    for (let index = 0; index < PREFILL; index++) messages.run(1 + (index % CHATS), 1 + (index % CHATS));
  })();
}

/** Milliseconds of each of `BATCHES` group commits of `size` messages into random chats. */
function measure(layout: string, size: number): number[] {
  const directory = mkdtempSync(path.join(outDir('commit'), 'run-'));
  const db = openSqliteDatabase(path.join(directory, 'parley.db'));
  try {
    seed(db, layout);
    const batch = new WriteBatch(db);
    const writes = new SqliteWrites(db);
    const random = new Random(size);
    const times: number[] = [];
    for (let round = 0; round < BATCHES; round++) {
      for (let index = 0; index < size; index++) {
        const chat = String(1 + random.below(CHATS));
        const command: WriteCommand = {
          kind: 'addMessage',
          chatId: chat,
          authorId: chat,
          text: 'see you at lunch',
          now: round,
        };
        batch.enqueue(
          () => writes.apply(command),
          () => {},
        );
      }
      const start = process.hrtime.bigint();
      void batch.drain();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times;
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

runBench('commit', async ({ log, save }) => {
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const means: number[] = [];
    for (const [name, layout] of Object.entries(LAYOUTS)) {
      const times = measure(layout, size);
      const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
      means.push(mean);
      const figure = { layout: name, size, p50: median(times), p90: percentile(times, 0.9), mean };
      figures.push(figure);
      log(`${name}, ${size} per commit: p50 ${figure.p50.toFixed(3)} ms, mean ${mean.toFixed(3)} ms`);
      rows.push([
        name,
        String(size),
        `${figure.p50.toFixed(3)} ms`,
        `${figure.p90.toFixed(3)} ms`,
        `${mean.toFixed(3)} ms`,
        `${((mean * 1000) / size).toFixed(1)} µs`,
        `${(mean / (means[0] as number)).toFixed(2)}×`,
      ]);
    }
  }
  log(`\ngroup commits of /messages/add, ${BATCHES} each, ${CHATS} chats holding ${PREFILL} messages:\n`);
  log(markdownTable(['layout', 'messages', 'p50', 'p90', 'mean', 'mean per message', '× now'], rows));
  save({ figures });
});
