import pg from 'pg';
import type { Clock } from '../../src/chat/storage-port.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import type { Backend, TestDatabase } from './backends.js';
import { POSTGRES_ADMIN_URL, uniqueDatabaseName, withDatabase } from './databases.js';

/** Runs one query on a short-lived connection of its own (to the admin database unless told). */
export async function queryPostgres<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  url = POSTGRES_ADMIN_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Whether the PostgreSQL test server answers; asked once, when the tests load. */
export const postgresAvailable: boolean = await queryPostgres('SELECT 1').then(
  () => true,
  () => false,
);

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database with a unique name; `drop` removes it even while connections remain. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = uniqueDatabaseName();
  await queryPostgres(`CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(POSTGRES_ADMIN_URL, name),
    drop: async () => {
      await queryPostgres(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export interface PostgresTestDatabase extends TestDatabase {
  url: string;
}

/** A migrated PostgresStorage on a scratch database; `close` closes it, then drops the database. */
export async function openPostgres(clock?: Clock): Promise<PostgresTestDatabase> {
  const database = await createScratchDatabase();
  const storage = new PostgresStorage(database.url, clock);
  const twins: PostgresStorage[] = [];
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    await database.drop();
    throw error;
  }
  return {
    storage,
    url: database.url,
    twin() {
      const twin = new PostgresStorage(database.url, clock);
      twins.push(twin);
      return twin;
    },
    async raiseIdsAbove(floor) {
      await queryPostgres(
        `SELECT setval(pg_get_serial_sequence(t, 'id'), $1::bigint)
         FROM unnest(ARRAY['users', 'chats', 'messages']) AS t`,
        [String(floor)],
        database.url,
      );
    },
    async close() {
      await Promise.all([storage, ...twins].map((opened) => opened.close()));
      await database.drop();
    },
  };
}

export const postgres: Backend = { name: 'PostgreSQL', open: openPostgres };
