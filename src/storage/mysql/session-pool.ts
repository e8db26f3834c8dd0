import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import type { MysqlAddress } from './connection-url.js';
import { asStorageError, isDeadlock, unavailable } from './errors.js';

/**
 * The session every connection runs with, whatever the server's defaults: MySQL 5.7's default strict
 * sql_mode (so a MariaDB or 8.0 server enforces what the seed's 5.7 does), UTC, and utf8mb4 both ways
 * (also where the server ignores the charset asked for in the handshake).
 */
export const SESSION_SQL_MODE =
  'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
const SESSION_SETUP = `SET SESSION sql_mode = '${SESSION_SQL_MODE}', SESSION time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_bin`;

const DEADLOCK_ATTEMPTS = 3;

export type Connection = PoolConnection;

/**
 * A mysql2 pool whose connections are all set up as above before first use. Connections are opened
 * lazily, so constructing one never touches the network: the server may start before its database.
 */
export class SessionPool {
  private readonly pool: Pool;
  /** The driver's own connection objects that already ran SESSION_SETUP. */
  private readonly prepared = new WeakSet<object>();
  private ending: Promise<void> | undefined;
  private inUse = 0;
  private waiting = 0;

  constructor(
    address: MysqlAddress,
    private readonly poolSize: number,
  ) {
    this.pool = createPool({
      ...address,
      connectionLimit: poolSize,
      waitForConnections: true,
      connectTimeout: 5_000,
      enableKeepAlive: true,
      // Ids are BIGINT: read them as exact decimal strings, never as lossy numbers.
      supportBigNumbers: true,
      bigNumberStrings: true,
      // Times as strings (see datetime.ts); a Date, should one ever be passed, as UTC.
      dateStrings: true,
      timezone: 'Z',
      charset: 'UTF8MB4_BIN',
      // COM_RESET_CONNECTION would undo SESSION_SETUP.
      resetOnRelease: false,
    });
    // A connection the server drops while idle emits 'error'. The driver listens for the first one only
    // (to take the connection out of the pool; the next call opens a new one): any further 'error',
    // unheard, would crash the process.
    this.pool.on('connection', (connection) => connection.on('error', () => {}));
  }

  /** Runs `work` on one connection of its own, and gives the connection back whatever happens. */
  async use<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    this.waiting += 1;
    let connection: Connection;
    try {
      connection = await this.acquire();
    } finally {
      this.waiting -= 1;
    }
    this.inUse += 1;
    try {
      return await work(connection);
    } finally {
      this.inUse -= 1;
      connection.release();
    }
  }

  /** Connections lent out and calls waiting for one, for metrics. */
  figures(): { size: number; inUse: number; waiting: number } {
    return { size: this.poolSize, inUse: this.inUse, waiting: this.waiting };
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. A deadlock
   * victim is run again, since InnoDB already rolled all of it back.
   */
  transaction<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    return this.use((connection) => transactionOn(connection, work));
  }

  /** One statement, prepared once per connection and cached (`execute`): for fixed, frequent queries. */
  execute<T>(sql: string, values: (string | number | null)[]): Promise<T> {
    return this.use(async (connection) => (await connection.execute(sql, values))[0] as T);
  }

  /** Ends the pool once; later calls fail as unavailable. */
  end(): Promise<void> {
    // An error while ending leaves nothing to do: the connections are gone either way.
    this.ending ??= this.pool.end().catch(() => {});
    return this.ending;
  }

  /** Any failure to get a set-up connection means the database cannot be used now. */
  private async acquire(): Promise<Connection> {
    let connection: Connection;
    try {
      connection = await this.pool.getConnection();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw unavailable(`cannot connect to the database (${String(code ?? 'pool closed')})`, error);
    }
    if (this.prepared.has(connection.connection)) return connection;
    try {
      await connection.query(SESSION_SETUP);
    } catch (error) {
      connection.destroy();
      throw asStorageError(error);
    }
    this.prepared.add(connection.connection);
    return connection;
  }
}

/** `SessionPool.transaction` on a connection the caller holds (and may hold session state on). */
export async function transactionOn<T>(
  connection: Connection,
  work: (connection: Connection) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(connection, work);
    } catch (error) {
      if (!isDeadlock(error) || attempt === DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

/** One attempt at `work` in a transaction on a connection the caller holds (no retry on deadlock). */
export async function inTransaction<T>(
  connection: Connection,
  work: (connection: Connection) => Promise<T>,
): Promise<T> {
  await connection.beginTransaction();
  try {
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    // A connection that cannot even roll back must not go back to the pool mid-transaction.
    await connection.rollback().catch(() => connection.destroy());
    throw error;
  }
}
