import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl } from '../../src/storage/mysql/connection-url.js';
import { MysqlStorage } from '../../src/storage/mysql/index.js';
import type { Backend } from './backends.js';
import { MYSQL_ADMIN_URL, uniqueDatabaseName, withDatabase } from './databases.js';

/**
 * Runs statements on a connection of its own, closed afterwards: the server is shared, so tests keep
 * nothing open on it. Values are filled in by the driver (`?`), names by the caller. `url` names
 * another database than the admin one (a scratch database).
 */
export async function adminQuery(sql: string, values: unknown[] = [], url = MYSQL_ADMIN_URL): Promise<RowDataPacket[]> {
  const connection = await createConnection({
    ...parseMysqlUrl(url),
    connectTimeout: 2_000,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    charset: 'UTF8MB4_BIN',
  });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as RowDataPacket[];
  } finally {
    await connection.end();
  }
}

/** A new, empty database of this test's own: its name, its URL, and how to drop it. */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = uniqueDatabaseName();
  // latin1 is MySQL 5.7's default, as in the seed's database: the tables must carry utf8mb4 themselves.
  await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET latin1`);
  return {
    name,
    url: withDatabase(MYSQL_ADMIN_URL, name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    },
  };
}

async function reachable(): Promise<boolean> {
  try {
    await adminQuery('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Whether MySQL/MariaDB answers at MYSQL_ADMIN_URL; checked once per test process. */
export const mysqlAvailable: boolean = await reachable();

export const mysql: Backend = {
  name: 'MySQL',
  async open(clock) {
    const database = await createScratchDatabase();
    const storage = new MysqlStorage(database.url, clock);
    const twins: MysqlStorage[] = [];
    const close = async () => {
      await Promise.all([storage, ...twins].map((opened) => opened.close()));
      await database.drop();
    };
    try {
      await storage.migrate();
    } catch (error) {
      await close();
      throw error;
    }
    return {
      storage,
      twin() {
        const twin = new MysqlStorage(database.url, clock);
        twins.push(twin);
        return twin;
      },
      async raiseIdsAbove(floor) {
        for (const table of ['users', 'chats', 'messages']) {
          await adminQuery(`ALTER TABLE \`${database.name}\`.${table} AUTO_INCREMENT = ${floor + 1n}`);
        }
      },
      close,
    };
  },
};
