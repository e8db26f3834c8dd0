import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Id } from '../../model/entities.js';
import type { EventScope, LogEvent } from '../../model/log-events.js';
import { chatIdsOf, type EventRow, eventsFromRows } from '../event-rows.js';
import { isoFromDatetime } from './datetime.js';
import { type Connection, inTransaction, type SessionPool } from './session-pool.js';
import { limitValue } from './statements.js';

// One column list for every kind of event, so that they can be read in one ordered UNION. A moved read
// marker's row holds its message in `id` and its reader in `author` (see EventRow).
const CHAT_EVENT = `'chat' AS kind, c.log_position AS position, c.id AS id, c.name AS name,
  NULL AS chat, NULL AS author, NULL AS text, c.created_at AS created_at, NULL AS unread`;
const MESSAGE_EVENT = `'message' AS kind, m.log_position AS position, m.id AS id, NULL AS name,
  m.chat_id AS chat, m.author_id AS author, m.text AS text, m.created_at AS created_at, NULL AS unread`;
const READ_EVENT = `'read' AS kind, r.log_position AS position, r.last_read_id AS id, NULL AS name,
  r.chat_id AS chat, r.user_id AS author, NULL AS text, NULL AS created_at, r.unread AS unread`;

/**
 * Each part (a query and the order that reads it by position) is cut to the limit before the merge: the
 * first `limit` of the union are among them. Parameters: each part's own (the scope's id when it has
 * one, and `after`) and its limit, then the limit of the whole.
 */
const union = (...parts: [query: string, order: string][]) => `
  ${parts.map(([query, order]) => `(${query} ORDER BY ${order} LIMIT ?)`).join('\n  UNION ALL\n  ')}
  ORDER BY position LIMIT ?`;

/** How many rows one turn of the sequencer numbers, of each kind. */
const SEQUENCE_BATCH = 1_000;

/**
 * The SQL of the event log. The sequencer numbers rows through a session variable, in the order of
 * each UPDATE's ORDER BY: MySQL 5.7 has no window functions.
 */
const SQL = {
  anyWaiting: `SELECT EXISTS (SELECT 1 FROM chats WHERE log_position IS NULL)
                   OR EXISTS (SELECT 1 FROM messages WHERE log_position IS NULL)
                   OR EXISTS (SELECT 1 FROM read_events WHERE log_position IS NULL) AS waiting`,
  // Read committed: the turn's UPDATEs lock only the rows they number, never a gap a writer inserts into.
  readCommitted: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
  lockHead: 'SELECT position FROM event_log_head WHERE id = 1 FOR UPDATE',
  lastPosition: 'SELECT position FROM event_log_head WHERE id = 1',
  startNumbering: 'SET @parley_log_position = CAST(? AS SIGNED)',
  numberChats: `UPDATE chats SET log_position = (@parley_log_position := @parley_log_position + 1)
    WHERE log_position IS NULL ORDER BY id LIMIT ?`,
  // Only messages of chats already numbered: a chat's event comes before its messages'.
  numberMessages: `UPDATE messages SET log_position = (@parley_log_position := @parley_log_position + 1)
    WHERE log_position IS NULL AND chat_id IN (SELECT c.id FROM chats AS c WHERE c.log_position IS NOT NULL)
    ORDER BY created_at, id LIMIT ?`,
  // Only moves to messages already numbered: a receipt never comes before the message it reads. Moves of
  // one marker commit one after another (its row's lock), so id order is their order.
  numberReads: `UPDATE read_events SET log_position = (@parley_log_position := @parley_log_position + 1)
    WHERE log_position IS NULL
      AND EXISTS (SELECT 1 FROM messages AS m WHERE m.id = read_events.last_read_id AND m.log_position IS NOT NULL)
    ORDER BY id LIMIT ?`,
  moveHead: 'UPDATE event_log_head SET position = @parley_log_position WHERE id = 1',
  allEvents: union(
    [`SELECT ${CHAT_EVENT} FROM chats AS c WHERE c.log_position > CAST(? AS SIGNED)`, 'c.log_position'],
    [`SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.log_position > CAST(? AS SIGNED)`, 'm.log_position'],
    [`SELECT ${READ_EVENT} FROM read_events AS r WHERE r.log_position > CAST(? AS SIGNED)`, 'r.log_position'],
  ),
  chatEvents: union(
    [
      `SELECT ${MESSAGE_EVENT} FROM messages AS m
       WHERE m.chat_id = CAST(? AS SIGNED) AND m.log_position > CAST(? AS SIGNED)`,
      'm.log_position',
    ],
    [
      `SELECT ${READ_EVENT} FROM read_events AS r
       WHERE r.chat_id = CAST(? AS SIGNED) AND r.log_position > CAST(? AS SIGNED)`,
      'r.log_position',
    ],
  ),
  userEvents: union(
    [
      `SELECT ${CHAT_EVENT} FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id
       WHERE mine.user_id = CAST(? AS SIGNED) AND c.log_position > CAST(? AS SIGNED)`,
      'c.log_position',
    ],
    [
      `SELECT ${MESSAGE_EVENT} FROM chat_members AS mine JOIN messages AS m ON m.chat_id = mine.chat_id
       WHERE mine.user_id = CAST(? AS SIGNED) AND m.log_position > CAST(? AS SIGNED)`,
      'm.log_position',
    ],
    [
      `SELECT ${READ_EVENT} FROM read_events AS r
       WHERE r.user_id = CAST(? AS SIGNED) AND r.log_position > CAST(? AS SIGNED)`,
      'r.log_position',
    ],
  ),
  chatIdsOfUser: 'SELECT chat_id AS id FROM chat_members WHERE user_id = CAST(? AS SIGNED)',
} as const;

/**
 * Gives log positions to the chats, messages and marker moves committed without one, and returns how many.
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
  const [reads] = await connection.query<ResultSetHeader>(SQL.numberReads, [SEQUENCE_BATCH]);
  const numbered = chats.affectedRows + messages.affectedRows + reads.affectedRows;
  if (numbered > 0) await connection.query(SQL.moveHead);
  return numbered;
}

export async function lastLogPosition(pool: SessionPool): Promise<number> {
  const [head] = await pool.execute<RowDataPacket[]>(SQL.lastPosition, []);
  return Number(head?.position ?? 0);
}

/** Events after a position; `membersOf` reads the members of the chat events' chats. */
export async function eventsAfter(
  pool: SessionPool,
  after: number,
  scope: EventScope,
  limit: number,
  membersOf: (chatIds: readonly Id[]) => Promise<Map<Id, Id[]>>,
): Promise<LogEvent[]> {
  const from = String(after);
  const most = limitValue(limit);
  const [sql, values] =
    scope === 'all'
      ? [SQL.allEvents, [from, most, from, most, from, most, most]]
      : 'chat' in scope
        ? [SQL.chatEvents, [scope.chat, from, most, scope.chat, from, most, most]]
        : [SQL.userEvents, [scope.user, from, most, scope.user, from, most, scope.user, from, most, most]];
  const rows = (await pool.execute<(EventRow & RowDataPacket)[]>(sql, values)).map((row) => ({
    ...row,
    // A marker's move shows no time.
    created_at: row.created_at === null ? '' : isoFromDatetime(row.created_at),
  }));
  return eventsFromRows(rows, await membersOf(chatIdsOf(rows)));
}

/** The ids of the user's chats (none for an unknown user: the caller tells the two apart). */
export async function chatIdsOfUser(pool: SessionPool, userId: Id): Promise<Id[]> {
  const rows = await pool.execute<RowDataPacket[]>(SQL.chatIdsOfUser, [userId]);
  return rows.map((row) => String(row.id));
}
