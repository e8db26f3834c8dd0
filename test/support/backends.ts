import type { Database } from 'better-sqlite3';
import { readPage } from '../../src/chat/history-pages.js';
import type { Clock, Storage } from '../../src/chat/storage-port.js';
import type { Message } from '../../src/model/entities.js';
import type { MessagePage } from '../../src/model/pages.js';
import { openSqliteStorage, SqliteStorage } from '../../src/storage/sqlite/index.js';
import { InlineWriter } from '../../src/storage/sqlite/inline-writer.js';
import { migrate } from '../../src/storage/sqlite/migrations.js';
import { openSqliteDatabase } from '../../src/storage/sqlite/open-database.js';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from './databases.js';
import { mysql, mysqlAvailable } from './mysql-backend.js';
import { postgres, postgresAvailable } from './postgres-backend.js';
import { startSourceThread } from './source-threads.js';
import { scratchSqliteFile } from './sqlite-files.js';

/** A fresh, empty database of one backend, opened for one test. */
export interface TestDatabase {
  storage: Storage;
  /** Makes the next ids of users, chats and messages start above `floor` (to test ids beyond 2^53). */
  raiseIdsAbove(floor: bigint): Promise<void>;
  /**
   * Another storage on the same database, as a second server process would open it (network backends);
   * closed with the database.
   */
  twin?(): Storage;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  open(clock?: Clock): Promise<TestDatabase>;
}

/** A backend as the API tests see it: whether its service answers here, and what to call it if not. */
export interface BackendUnderTest {
  backend: Backend;
  available: boolean;
  service: string;
}

/** Makes the next ids of users, chats and messages start above `floor`; SQLite gives the next row max(id)+1. */
function raiseSqliteIds(db: Database, floor: bigint): void {
  db.prepare('INSERT INTO users (id, username, created_at) VALUES (?, ?, 0)').run(floor, '\u0001floor');
  db.prepare('INSERT INTO chats (id, name, created_at) VALUES (?, ?, 0)').run(floor, '\u0001floor');
  db.prepare('INSERT INTO messages (id, chat_id, author_id, text, created_at) VALUES (?, ?, ?, ?, 0)').run(
    floor,
    floor,
    floor,
    'floor',
  );
}

/** SQLite as shipped: a database file, written by its writer thread. */
export const sqlite: Backend = {
  name: 'SQLite',
  async open(clock) {
    const scratch = scratchSqliteFile();
    const storage = openSqliteStorage(scratch.file, { now: clock, startThread: startSourceThread });
    await storage.migrate();
    return {
      storage,
      async raiseIdsAbove(floor) {
        const db = openSqliteDatabase(scratch.file);
        try {
          raiseSqliteIds(db, floor);
        } finally {
          db.close();
        }
      },
      async close() {
        await storage.close();
        scratch.remove();
      },
    };
  },
};

/** SQLite in memory (`sqlite::memory:`), written on the thread that reads. */
export const sqliteInMemory: Backend = {
  name: 'SQLite in memory',
  async open(clock) {
    const db = openSqliteDatabase(':memory:');
    migrate(db);
    const storage = new SqliteStorage(db, new InlineWriter(db), clock);
    return { storage, raiseIdsAbove: async (floor) => raiseSqliteIds(db, floor), close: () => storage.close() };
  },
};

/** Every backend the API tests run against; network ones only where their service answers. */
export const backends: readonly BackendUnderTest[] = [
  { backend: sqlite, available: true, service: 'SQLite' },
  { backend: postgres, available: postgresAvailable, service: `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host}` },
  { backend: mysql, available: mysqlAvailable, service: `MySQL/MariaDB at ${new URL(MYSQL_ADMIN_URL).host}` },
];

/** A chat's messages, asserting that the chat exists. */
export async function messagesIn(storage: Storage, chatId: string, page?: MessagePage): Promise<Message[]> {
  const result = await readPage(storage, chatId, page ?? {});
  if (!result.ok) throw new Error(`messages of chat ${chatId}: ${result.reason}`);
  return result.messages;
}
