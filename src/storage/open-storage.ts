import type { Storage } from '../chat/storage-port.js';
import type { DatabaseConfig } from '../config.js';
import { ReadyStorage } from './ready-storage.js';
import type { ThreadStarter } from './sqlite/index.js';

export interface OpenStorageOptions {
  /** Told each time a network database cannot be migrated yet (it is retried every second). */
  onUnavailable?: (error: unknown) => void;
  /** How SQLite's writer thread is started, when not from compiled code (see ThreadStarter). */
  startThread?: ThreadStarter;
}

/** Opens the storage at once, with nothing to wait for: callers can build around it in the same turn. */
export type StorageOpener = (options?: OpenStorageOptions) => Storage;

/**
 * Loads the module of the backend the configuration names, and only that one: the drivers of the others
 * would cost every process some 13 MiB of memory it never uses. Its opener opens SQLite at once (a file
 * that cannot be opened stops the process); a network database may come up after the server, so it is
 * reached lazily and migrated as soon as it answers.
 */
export async function storageOpener(database: DatabaseConfig): Promise<StorageOpener> {
  switch (database.kind) {
    case 'sqlite': {
      const { openSqliteStorage } = await import('./sqlite/index.js');
      return (options = {}) => openSqliteStorage(database.file, { startThread: options.startThread });
    }
    case 'postgres': {
      const { PostgresStorage } = await import('./postgres/index.js');
      return (options = {}) => new ReadyStorage(new PostgresStorage(database.url), options.onUnavailable);
    }
    case 'mysql': {
      const { MysqlStorage } = await import('./mysql/index.js');
      return (options = {}) => new ReadyStorage(new MysqlStorage(database.url), options.onUnavailable);
    }
  }
}
