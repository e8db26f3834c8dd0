import { ParleyError, unavailable as storageUnavailable } from '../../model/errors.js';
import { SOCKET_ERROR_CODES } from '../socket-errors.js';

/** A driver error: a Node socket error (`code` only) or a server error (`code` and `errno`). */
interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
}

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;

/**
 * Codes that mean the database cannot be reached or cannot take the work right now, so the caller
 * should retry later: sockets failing, the server going away or full, and lock contention that
 * outlasted the server's patience.
 */
const UNAVAILABLE_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_RECORD_FILE_FULL',
]);

const asDriverError = (error: unknown): DriverError =>
  typeof error === 'object' && error !== null ? (error as DriverError) : {};

export const isDuplicateKey = (error: unknown): boolean => asDriverError(error).errno === ER_DUP_ENTRY;

/** InnoDB rolled the whole transaction back to break a deadlock; running it again is safe. */
export const isDeadlock = (error: unknown): boolean => asDriverError(error).errno === ER_LOCK_DEADLOCK;

/** The storage error callers see; the driver error stays attached as `cause` for the logs. */
export function unavailable(detail: string, cause?: unknown): ParleyError {
  const error = storageUnavailable(detail);
  if (cause !== undefined) error.cause = cause;
  return error;
}

/**
 * An outage becomes `storage_unavailable`; anything else (a bug, a constraint the caller did not
 * expect) is rethrown unchanged. A fatal error is one after which the driver closed the connection.
 */
export function asStorageError(error: unknown): unknown {
  if (error instanceof ParleyError) return error;
  const { code, fatal, message } = asDriverError(error);
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
    return unavailable(`the database is unavailable (${code})`, error);
  }
  if (fatal === true) return unavailable(`the connection to the database failed (${String(code)})`, error);
  if (typeof message === 'string' && message.startsWith('Pool is closed')) {
    return unavailable('the database connection pool is closed', error);
  }
  return error;
}
