import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { parseMysqlUrl } from '../../src/storage/mysql/connection-url.js';
import { onExit } from './cleanup.js';
import { outDir } from './paths.js';

export type BackendKind = 'sqlite' | 'postgres' | 'mysql';

/**
 * A database the benchmark owns: where Parley finds it, a way to read figures back from it without the
 * server, and how to remove it. SQL given here is the caller's own, with ids inlined as integers.
 */
export interface BenchDatabase {
  readonly kind: BackendKind;
  /** DATABASE_URL for the server. */
  readonly url: string;
  /** The first column of the first row, as a number. */
  scalar(sql: string): Promise<number>;
  /** The first column of every row, as strings. */
  column(sql: string): Promise<string[]>;
  execute(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL =
  process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** `parley_bench_<label>_<pid>_<random>`: unique on a shared server, and recognisably ours. */
export function uniqueName(label: string): string {
  return `parley_bench_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A SQLite file under bench/out/data/ (the server or the generator creates it; `drop` removes it with
 * its WAL). A temporary one is also removed when the run ends; a kept one is data to reuse.
 */
export function sqliteDatabase(file: string, temporary = true): BenchDatabase {
  const resolved = path.resolve(outDir('data'), file);
  const open = () => new Database(resolved, { fileMustExist: true });
  const database: BenchDatabase = {
    kind: 'sqlite',
    url: `sqlite:${resolved}`,
    async scalar(sql) {
      const db = open();
      try {
        return Number(db.prepare(sql).pluck().get());
      } finally {
        db.close();
      }
    },
    async column(sql) {
      const db = open();
      try {
        return db.prepare(sql).pluck().all().map(String);
      } finally {
        db.close();
      }
    },
    async execute(sql) {
      const db = open();
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async drop() {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${resolved}${suffix}`, { force: true });
    },
  };
  if (temporary) onExit(database.drop);
  return database;
}

export async function postgresReachable(): Promise<boolean> {
  return postgresQuery(POSTGRES_ADMIN_URL, 'SELECT 1').then(
    () => true,
    () => false,
  );
}

/**
 * A new, empty PostgreSQL database of this run's own, dropped by `drop`, and when the run ends unless
 * it is not `temporary` (a generated data set kept on purpose).
 */
export async function createPostgresDatabase(label: string, temporary = true): Promise<BenchDatabase> {
  const name = uniqueName(label);
  await postgresQuery(POSTGRES_ADMIN_URL, `CREATE DATABASE "${name}"`);
  return postgresDatabase(name, temporary);
}

function postgresDatabase(name: string, temporary: boolean): BenchDatabase {
  const url = withDatabase(POSTGRES_ADMIN_URL, name);
  const drop = async () => {
    await postgresQuery(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  if (temporary) onExit(drop);
  return {
    kind: 'postgres',
    url,
    scalar: async (sql) => Number((await postgresQuery(url, sql))[0]?.[0]),
    column: async (sql) => (await postgresQuery(url, sql)).map((row) => String(row[0])),
    execute: async (sql) => void (await postgresQuery(url, sql)),
    drop,
  };
}

async function postgresQuery(url: string, sql: string): Promise<unknown[][]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

export async function mysqlReachable(): Promise<boolean> {
  return mysqlQuery(MYSQL_ADMIN_URL, 'SELECT 1').then(
    () => true,
    () => false,
  );
}

/** A new, empty MySQL/MariaDB database of this run's own, dropped by `drop` or when the run ends. */
export async function createMysqlDatabase(label: string): Promise<BenchDatabase> {
  const name = uniqueName(label);
  await mysqlQuery(MYSQL_ADMIN_URL, `CREATE DATABASE \`${name}\``);
  const url = withDatabase(MYSQL_ADMIN_URL, name);
  const drop = async () => {
    await mysqlQuery(MYSQL_ADMIN_URL, `DROP DATABASE IF EXISTS \`${name}\``);
  };
  onExit(drop);
  return {
    kind: 'mysql',
    url,
    scalar: async (sql) => Number((await mysqlQuery(url, sql))[0]?.[0]),
    column: async (sql) => (await mysqlQuery(url, sql)).map((row) => String(row[0])),
    execute: async (sql) => void (await mysqlQuery(url, sql)),
    drop,
  };
}

async function mysqlQuery(url: string, sql: string): Promise<unknown[][]> {
  const connection = await createConnection({ ...parseMysqlUrl(url), connectTimeout: 3000, rowsAsArray: true });
  try {
    const [rows] = await connection.query(sql);
    return Array.isArray(rows) ? (rows as unknown[][]) : [];
  } finally {
    await connection.end();
  }
}

/** "PostgreSQL 15.20", or why not. */
export async function postgresVersion(): Promise<string> {
  return postgresQuery(POSTGRES_ADMIN_URL, 'SHOW server_version').then(
    (rows) => `PostgreSQL ${String(rows[0]?.[0]).split(' ')[0]}`,
    () => 'PostgreSQL unreachable',
  );
}

/** "MariaDB 10.11.19", "MySQL 8.0.36", or why not. */
export async function mysqlVersion(): Promise<string> {
  return mysqlQuery(MYSQL_ADMIN_URL, 'SELECT version()').then(
    (rows) => {
      const version = String(rows[0]?.[0]);
      return `${/mariadb/i.test(version) ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]}`;
    },
    () => 'MySQL/MariaDB unreachable',
  );
}
