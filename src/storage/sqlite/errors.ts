import { SqliteError } from 'better-sqlite3';
import { unavailable } from '../../model/errors.js';

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|CORRUPT|NOTADB)/;

export function isUniqueViolation(error: unknown, column: string): boolean {
  return error instanceof SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes(column);
}

/** The database failing (a full disk, a lock held too long) is an outage, not a bug of the request. */
export function asStorageError(error: unknown): unknown {
  if (error instanceof SqliteError && UNAVAILABLE.test(error.code)) {
    return unavailable(`the database cannot be written or read (${error.code})`);
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return unavailable('the database is closed');
  }
  return error;
}
