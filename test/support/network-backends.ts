import type { Storage } from '../../src/chat/storage-port.js';
import { MysqlStorage } from '../../src/storage/mysql/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from './databases.js';
import { adminQuery, createScratchDatabase as createMysqlDatabase, mysqlAvailable } from './mysql-backend.js';
import {
  createScratchDatabase as createPostgresDatabase,
  postgresAvailable,
  queryPostgres,
  type ScratchDatabase,
} from './postgres-backend.js';

/** A database server reached over TCP, so that a test can put a proxy of its own in front of it. */
export interface NetworkBackend {
  name: string;
  available: boolean;
  service: string;
  host: string;
  port: number;
  /** `host:port` as it appears in the backend's URLs. */
  authority: string;
  createScratchDatabase(): Promise<ScratchDatabase>;
  storageAt(url: string): Storage;
  /** Runs one statement on the database at `url`, straight, not through Parley (SQL both backends read alike). */
  query(url: string, sql: string): Promise<Record<string, unknown>[]>;
}

const postgresUrl = new URL(POSTGRES_ADMIN_URL);
const mysqlUrl = new URL(MYSQL_ADMIN_URL);

export const networkBackends: readonly NetworkBackend[] = [
  {
    name: 'PostgreSQL',
    available: postgresAvailable,
    service: `PostgreSQL at ${postgresUrl.host}`,
    host: postgresUrl.hostname,
    port: Number(postgresUrl.port || 5432),
    authority: postgresUrl.host,
    createScratchDatabase: createPostgresDatabase,
    storageAt: (url) => new PostgresStorage(url),
    query: (url, sql) => queryPostgres(sql, [], url),
  },
  {
    name: 'MySQL',
    available: mysqlAvailable,
    service: `MySQL/MariaDB at ${mysqlUrl.host}`,
    host: mysqlUrl.hostname,
    port: Number(mysqlUrl.port || 3306),
    authority: mysqlUrl.host,
    createScratchDatabase: createMysqlDatabase,
    storageAt: (url) => new MysqlStorage(url),
    query: (url, sql) => adminQuery(sql, [], url),
  },
];
