import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from '../../src/storage/sqlite/migrations.js';
import type { DataPlan } from './plan.js';
import { Progress } from './progress.js';
import { tablesOf } from './rows.js';

const ROWS_PER_TRANSACTION = 100_000;

/**
 * Writes a plan into a new SQLite file with Parley's own migrations, so that the schema is the
 * server's. Loading is fast and not durable (synchronous=OFF, no foreign key checks, the message
 * index built once at the end); the file is left in WAL mode and checkpointed, as the server opens it.
 * Times are INTEGER milliseconds, as the SQLite backend stores them.
 */
export function loadSqlite(file: string, plan: DataPlan, log: (line: string) => void): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    migrate(db);
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -1048576');
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL")
      .all() as { name: string; sql: string }[];
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);

    for (const table of tablesOf(plan)) {
      const placeholders = table.columns.map(() => '?').join(', ');
      const insert = db.prepare(`INSERT INTO ${table.table} (${table.columns.join(', ')}) VALUES (${placeholders})`);
      const progress = new Progress(table.table, table.total, log);
      let pending = 0;
      db.exec('BEGIN');
      for (const row of table.rows()) {
        insert.run(row);
        if (++pending === ROWS_PER_TRANSACTION) {
          db.exec('COMMIT; BEGIN');
          progress.advance(pending);
          pending = 0;
        }
      }
      db.exec('COMMIT');
      progress.advance(pending);
    }

    for (const { name, sql } of indexes) {
      const started = performance.now();
      db.exec(sql);
      log(`  index ${name}: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
