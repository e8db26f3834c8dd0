import pg from 'pg';
import { unavailable } from '../../model/errors.js';
import { SOCKET_ERROR_CODES } from '../socket-errors.js';

/** Socket errors, and SQLSTATEs for the server going away, refusing sessions, being full or refusing us. */
const CONNECTION_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  // The server answers but will not serve us (wrong password, database not created yet): for the
  // client this is an outage too, and it may be mended without restarting Parley.
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name
]);

/** What the driver and the pool say, without a code, when a connection cannot be had or is lost. */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end/;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the database could not be reached or the connection broke, rather than a statement failing. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionFailure);
  const code = codeOf(error);
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/** An outage becomes `storage_unavailable`; anything else is a bug and is rethrown as it is. */
export function asStorageError(error: unknown): unknown {
  if (!isConnectionFailure(error)) return error;
  const cause = codeOf(error) ?? (error instanceof Error ? error.message : 'unknown error');
  return unavailable(`the database cannot be reached (${cause})`);
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return error instanceof pg.DatabaseError && error.code === '23505' && error.constraint === constraint;
}
