import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { SEQUENCE_BATCH, EVENT_SQL as SQL } from './event-statements.js';
import { type Connection, inTransaction, type SessionPool } from './session-pool.js';

/**
 * Gives log positions to the chats and messages committed without one, and returns how many.
 *
 * Writers cannot number their rows themselves: ids are drawn before commit, so a reader walking by id
 * would skip a row that commits late. Instead, one turn at a time (the head row's lock, held to commit),
 * a turn numbers only rows already committed, each statement reading after the previous turn committed.
 * So positions grow in commit order: a reader that sees a position sees every smaller one. Within a
 * chat, messages commit in (created_at, id) order (the chat's lock), and a turn numbers them in that
 * order, never a later one before an earlier one.
 */
export async function sequenceEvents(pool: SessionPool): Promise<number> {
  const [waiting] = await pool.execute<RowDataPacket[]>(SQL.anyWaiting, []);
  if (Number(waiting?.waiting) !== 1) return 0;
  return pool.use(async (connection) => {
    // For the next transaction only; a turn that fails (a deadlock) is left to the next one.
    await connection.query(SQL.readCommitted);
    return inTransaction(connection, numberWaitingRows);
  });
}

async function numberWaitingRows(connection: Connection): Promise<number> {
  const [[head]] = await connection.query<RowDataPacket[]>(SQL.lockHead);
  await connection.query(SQL.startNumbering, [String(head?.position ?? 0)]);
  const [chats] = await connection.query<ResultSetHeader>(SQL.numberChats, [SEQUENCE_BATCH]);
  const [messages] = await connection.query<ResultSetHeader>(SQL.numberMessages, [SEQUENCE_BATCH]);
  const numbered = chats.affectedRows + messages.affectedRows;
  if (numbered > 0) await connection.query(SQL.moveHead);
  return numbered;
}
