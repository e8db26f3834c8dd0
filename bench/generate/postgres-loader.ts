import pg from 'pg';
import { migrate } from '../../src/storage/postgres/migrations.js';
import type { DataPlan } from './plan.js';
import { Progress } from './progress.js';
import { type Cell, type TableRows, tablesOf } from './rows.js';

const ROWS_PER_STATEMENT = 20_000;

/** The SQL type of each column, for the arrays that carry a batch of rows. */
const COLUMN_TYPES: Record<string, string> = {
  id: 'bigint',
  chat_id: 'bigint',
  user_id: 'bigint',
  author_id: 'bigint',
  position: 'integer',
  username: 'text',
  name: 'text',
  text: 'text',
  created_at: 'timestamptz',
  last_message_at: 'timestamptz',
  seq: 'bigint',
  last_seq: 'bigint',
};

/**
 * Writes a plan into an empty PostgreSQL database with Parley's own migrations, so that the schema is
 * the server's. Foreign keys and secondary indexes are dropped for the load and put back at the end
 * (re-adding a foreign key checks every row once), ids are written as given and the identity
 * sequences moved past them, and the tables are vacuumed and analysed, as autovacuum would have done
 * on a database that grew through the API. Times go in as ISO strings into timestamptz(3).
 */
export async function loadPostgres(url: string, plan: DataPlan, log: (line: string) => void): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
    const client = await pool.connect();
    try {
      await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'");
      const restore = await dropConstraintsAndIndexes(client);
      // Generated rows are history, as rows older than the event log are (position 0): no server
      // would replay them, and none sequences them.
      await client.query(`ALTER TABLE chats ALTER COLUMN log_position SET DEFAULT 0;
                          ALTER TABLE messages ALTER COLUMN log_position SET DEFAULT 0`);
      for (const table of tablesOf(plan)) await loadTable(client, table, log);
      await client.query(`ALTER TABLE chats ALTER COLUMN log_position DROP DEFAULT;
                          ALTER TABLE messages ALTER COLUMN log_position DROP DEFAULT`);
      for (const sql of restore) {
        const started = performance.now();
        await client.query(sql);
        log(`  ${sql.slice(0, 90)}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      for (const table of ['users', 'chats', 'messages']) {
        await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
      }
      const started = performance.now();
      await client.query('VACUUM (ANALYZE)');
      log(`  vacuum analyze: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** Drops foreign keys and the non-unique indexes; returns the statements that put them back. */
async function dropConstraintsAndIndexes(client: pg.PoolClient): Promise<string[]> {
  const { rows: keys } = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index AS i JOIN pg_class AS t ON t.oid = i.indrelid
     WHERE t.relnamespace = 'public'::regnamespace AND NOT i.indisunique
       AND t.relname IN ('chat_members', 'messages')`,
  );
  for (const key of keys) await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}`);
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  return [
    ...indexes.map((index) => index.definition),
    ...keys.map((key) => `ALTER TABLE ${key.table} ADD CONSTRAINT ${key.name} ${key.definition}`),
  ];
}

async function loadTable(client: pg.PoolClient, table: TableRows, log: (line: string) => void): Promise<void> {
  const types = table.columns.map((column) => COLUMN_TYPES[column] ?? 'text');
  const arrays = types.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
  const overriding = table.columns.includes('id') ? 'OVERRIDING SYSTEM VALUE' : '';
  const text = `INSERT INTO ${table.table} (${table.columns.join(', ')}) ${overriding} SELECT * FROM unnest(${arrays})`;
  const progress = new Progress(table.table, table.total, log);
  let batch: Cell[][] = table.columns.map(() => []);
  let size = 0;
  const flush = async () => {
    await client.query({ text, values: batch });
    progress.advance(size);
    batch = table.columns.map(() => []);
    size = 0;
  };
  for (const row of table.rows()) {
    row.forEach((cell, index) => {
      const column = table.columns[index] as string;
      batch[index]?.push(table.times.has(column) && cell !== null ? new Date(cell as number).toISOString() : cell);
    });
    if (++size === ROWS_PER_STATEMENT) await flush();
  }
  if (size > 0) await flush();
}
