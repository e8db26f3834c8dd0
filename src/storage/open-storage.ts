import type { DatabaseConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { openSqliteDatabase, SqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';

/** Opens the backend the configuration names. */
export async function openStorage(database: DatabaseConfig): Promise<Storage> {
  switch (database.kind) {
    case 'sqlite':
      return new SqliteStorage(openSqliteDatabase(database.file));
    default:
      throw new ConfigError(`DATABASE_URL: the ${database.kind} backend is not available in this version`);
  }
}
