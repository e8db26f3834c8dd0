import fs from 'node:fs';
import path from 'node:path';
import DatabaseConstructor, { type Database } from 'better-sqlite3';

/** Opens a SQLite file with durable settings: a resolved write survives a crash or power loss. */
export function openSqliteDatabase(file: string): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new DatabaseConstructor(file);
  db.pragma('journal_mode = WAL');
  // This build defaults WAL to synchronous=NORMAL, which may lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
