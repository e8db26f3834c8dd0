import type { DatabaseConfig } from '../config.js';
import { MysqlStorage } from './mysql/mysql-storage.js';
import { PostgresStorage } from './postgres/postgres-storage.js';
import { ReadyStorage } from './ready-storage.js';
import { openSqliteStorage } from './sqlite/sqlite-storage.js';
import type { ThreadStarter } from './sqlite/thread-writer.js';
import type { Storage } from './storage.js';

export interface OpenStorageOptions {
  /** Told each time a network database cannot be migrated yet (it is retried every second). */
  onUnavailable?: (error: unknown) => void;
  /** How SQLite's writer thread is started, when not from compiled code (see ThreadStarter). */
  startThread?: ThreadStarter;
}

/**
 * Opens the backend the configuration names. SQLite opens at once (a file that cannot be opened stops
 * the process); a network database may come up after the server, so it is reached lazily and migrated
 * as soon as it answers.
 */
export function openStorage(database: DatabaseConfig, options: OpenStorageOptions = {}): Storage {
  switch (database.kind) {
    case 'sqlite':
      return openSqliteStorage(database.file, Date.now, options.startThread);
    case 'postgres':
      return new ReadyStorage(new PostgresStorage(database.url), options.onUnavailable);
    case 'mysql':
      return new ReadyStorage(new MysqlStorage(database.url), options.onUnavailable);
  }
}
