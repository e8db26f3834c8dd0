import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStorage } from '../src/storage/sqlite/index.js';
import { Random } from './generate/random.js';
import { runBench } from './support/entry.js';
import { outDir } from './support/paths.js';
import { median, percentile } from './support/stats.js';
import { markdownTable } from './support/table.js';

/**
 * `npm run bench:commit`: what one group commit of /messages/add writes costs, alone, with nothing else
 * running: Parley's SQLite storage on a durable file, writing on this thread (no hand-off to the writer's
 * thread), messages spread over 100 chats that already hold 100,000, against the same with the two
 * per-chat indexes of the schema before migration 4. The time is from submitting a turn's messages to
 * their answers: BEGIN, each write in its savepoint, COMMIT with its fsync.
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

/** The schema as Parley migrates it, then the layout, then the prefill, on a connection of the bench's own. */
function seed(file: string, layout: string): void {
  openSqliteStorage(file, { writeOnThisThread: true }).close();
  const db = new Database(file);
  try {
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
  } finally {
    db.close();
  }
}

/** Milliseconds of each of `BATCHES` group commits of `size` messages into random chats. */
async function measure(layout: string, size: number): Promise<number[]> {
  const directory = mkdtempSync(path.join(outDir('commit'), 'run-'));
  const file = path.join(directory, 'parley.db');
  seed(file, layout);
  let round = 0;
  const storage = openSqliteStorage(file, { writeOnThisThread: true, now: () => round });
  try {
    const random = new Random(size);
    const times: number[] = [];
    for (; round < BATCHES; round++) {
      const start = process.hrtime.bigint();
      const answers: Promise<unknown>[] = [];
      for (let index = 0; index < size; index++) {
        const chat = String(1 + random.below(CHATS));
        answers.push(storage.addMessage(chat, chat, 'see you at lunch'));
      }
      // The messages of one turn are committed together, on the next.
      await Promise.all(answers);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times;
  } finally {
    await storage.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

runBench('commit', async ({ log, save }) => {
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const means: number[] = [];
    for (const [name, layout] of Object.entries(LAYOUTS)) {
      const times = await measure(layout, size);
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
