import type pg from 'pg';
import type { Id } from '../../model/entities.js';
import type { EventScope, LogEvent } from '../../model/log-events.js';
import { type EventRow, eventsFromRows } from '../event-rows.js';
import { inTransaction } from './transaction.js';

const named =
  <P extends unknown[]>(name: string, text: string) =>
  (...values: P): pg.QueryConfig => ({ name, text, values });

// One column list for every kind of event, so that they can be read in one ordered UNION. A chat's
// members are an output subquery: evaluated for the chat events kept, after the LIMIT. A moved read
// marker's row holds its message in `id` and its reader in `author` (see EventRow).
const CHAT_EVENT = `'chat' AS kind, c.log_position AS position, c.id::text AS id, c.name,
  NULL::text AS chat, NULL::text AS author, NULL::text AS text, c.created_at,
  ARRAY(SELECT cm.user_id::text FROM chat_members AS cm WHERE cm.chat_id = c.id ORDER BY cm.position) AS users,
  NULL::bigint AS unread`;
const MESSAGE_EVENT = `'message' AS kind, m.log_position AS position, m.id::text AS id, NULL::text AS name,
  m.chat_id::text AS chat, m.author_id::text AS author, m.text, m.created_at, NULL::text[] AS users,
  NULL::bigint AS unread`;
const READ_EVENT = `'read' AS kind, r.log_position AS position, r.last_read_id::text AS id, NULL::text AS name,
  r.chat_id::text AS chat, r.user_id::text AS author, NULL::text AS text, NULL::timestamptz AS created_at,
  NULL::text[] AS users, r.unread`;

/**
 * Each part (a query and the order that reads it by position) is cut to the limit before the merge: the
 * first `limit` of the union are among them.
 */
const union = (...parts: [query: string, order: string][]) => `
  ${parts.map(([query, order]) => `(${query} ORDER BY ${order} LIMIT $2::bigint)`).join('\n  UNION ALL\n  ')}
  ORDER BY position LIMIT $2::bigint`;

/** How many rows one turn of the sequencer numbers, of each kind. */
const SEQUENCE_BATCH = 1_000;

/**
 * The statements of the event log. Positions are given by the sequencer, one turn at a time under the
 * head row's lock; see sequenceEvents below for why that orders them by commit.
 */
const sql = {
  anyWaiting: named<[]>(
    'parley_events_waiting',
    `SELECT EXISTS (SELECT 1 FROM chats WHERE log_position IS NULL)
         OR EXISTS (SELECT 1 FROM messages WHERE log_position IS NULL)
         OR EXISTS (SELECT 1 FROM read_events WHERE log_position IS NULL) AS waiting`,
  ),
  lockHead: named<[]>('parley_lock_log_head', 'SELECT position FROM event_log_head WHERE id = 1 FOR UPDATE'),
  lastPosition: named<[]>('parley_last_log_position', 'SELECT position FROM event_log_head WHERE id = 1'),
  // The chats are locked in id order, as a turn of messages locks them (see addMessages): in any other order
  // the two could each hold a chat the other waits for. NO KEY: new members and messages may still refer to them.
  numberChats: named<[head: number, limit: number]>(
    'parley_number_chats',
    `UPDATE chats AS c SET log_position = $1::bigint + n.rank
     FROM (SELECT w.id, row_number() OVER (ORDER BY w.id) AS rank
           FROM (SELECT id FROM chats WHERE log_position IS NULL ORDER BY id LIMIT $2::bigint
                 FOR NO KEY UPDATE) AS w) AS n
     WHERE c.id = n.id`,
  ),
  // Only messages of chats already numbered: a chat's event comes before its messages'.
  numberMessages: named<[head: number, limit: number]>(
    'parley_number_messages',
    `UPDATE messages AS m SET log_position = $1::bigint + n.rank
     FROM (SELECT w.id, row_number() OVER (ORDER BY w.created_at, w.id) AS rank
           FROM (SELECT x.id, x.created_at FROM messages AS x JOIN chats AS c ON c.id = x.chat_id
                 WHERE x.log_position IS NULL AND c.log_position IS NOT NULL
                 ORDER BY x.created_at, x.id LIMIT $2::bigint) AS w) AS n
     WHERE m.id = n.id`,
  ),
  // Only moves to messages already numbered: a receipt never comes before the message it reads. Moves of
  // one marker commit one after another (its row's lock), so id order is their order.
  numberReads: named<[head: number, limit: number]>(
    'parley_number_reads',
    `UPDATE read_events AS r SET log_position = $1::bigint + n.rank
     FROM (SELECT w.id, row_number() OVER (ORDER BY w.id) AS rank
           FROM (SELECT x.id FROM read_events AS x JOIN messages AS m ON m.id = x.last_read_id
                 WHERE x.log_position IS NULL AND m.log_position IS NOT NULL
                 ORDER BY x.id LIMIT $2::bigint) AS w) AS n
     WHERE r.id = n.id`,
  ),
  moveHead: named<[position: number]>(
    'parley_move_log_head',
    'UPDATE event_log_head SET position = $1::bigint WHERE id = 1',
  ),
  allEvents: named<[after: number, limit: number]>(
    'parley_all_events',
    union(
      [`SELECT ${CHAT_EVENT} FROM chats AS c WHERE c.log_position > $1::bigint`, 'c.log_position'],
      [`SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.log_position > $1::bigint`, 'm.log_position'],
      [`SELECT ${READ_EVENT} FROM read_events AS r WHERE r.log_position > $1::bigint`, 'r.log_position'],
    ),
  ),
  chatEvents: named<[after: number, limit: number, chatId: Id]>(
    'parley_chat_events',
    union(
      [
        `SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.chat_id = $3::bigint AND m.log_position > $1::bigint`,
        'm.log_position',
      ],
      [
        `SELECT ${READ_EVENT} FROM read_events AS r WHERE r.chat_id = $3::bigint AND r.log_position > $1::bigint`,
        'r.log_position',
      ],
    ),
  ),
  userEvents: named<[after: number, limit: number, userId: Id]>(
    'parley_user_events',
    union(
      [
        `SELECT ${CHAT_EVENT} FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id
         WHERE mine.user_id = $3::bigint AND c.log_position > $1::bigint`,
        'c.log_position',
      ],
      [
        `SELECT ${MESSAGE_EVENT} FROM chat_members AS mine JOIN messages AS m ON m.chat_id = mine.chat_id
         WHERE mine.user_id = $3::bigint AND m.log_position > $1::bigint`,
        'm.log_position',
      ],
      [
        `SELECT ${READ_EVENT} FROM read_events AS r WHERE r.user_id = $3::bigint AND r.log_position > $1::bigint`,
        'r.log_position',
      ],
    ),
  ),
  chatIdsOfUser: named<[userId: Id]>(
    'parley_chat_ids_of_user',
    'SELECT chat_id::text AS id FROM chat_members WHERE user_id = $1::bigint',
  ),
};

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
export async function sequenceEvents(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ waiting: boolean }>(sql.anyWaiting());
  if (!rows[0]?.waiting) return 0;
  return inTransaction(pool, async (client) => {
    const head = await client.query<{ position: string }>(sql.lockHead());
    const start = Number(head.rows[0]?.position ?? 0);
    const chats = (await client.query(sql.numberChats(start, SEQUENCE_BATCH))).rowCount ?? 0;
    const messages = (await client.query(sql.numberMessages(start + chats, SEQUENCE_BATCH))).rowCount ?? 0;
    const reads = (await client.query(sql.numberReads(start + chats + messages, SEQUENCE_BATCH))).rowCount ?? 0;
    const numbered = chats + messages + reads;
    if (numbered > 0) await client.query(sql.moveHead(start + numbered));
    return numbered;
  });
}

export async function lastLogPosition(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ position: string }>(sql.lastPosition());
  return Number(rows[0]?.position ?? 0);
}

interface EventRowOfPostgres extends Omit<EventRow, 'created_at'> {
  /** Null for a marker's move, which shows no time. */
  created_at: Date | null;
  users: string[] | null;
}

export async function eventsAfter(pool: pg.Pool, after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
  const query =
    scope === 'all'
      ? sql.allEvents(after, limit)
      : 'chat' in scope
        ? sql.chatEvents(after, limit, scope.chat)
        : sql.userEvents(after, limit, scope.user);
  const { rows } = await pool.query<EventRowOfPostgres>(query);
  const members = new Map(rows.flatMap((row) => (row.kind === 'chat' ? [[row.id, row.users ?? []]] : [])));
  return eventsFromRows(
    rows.map((row) => ({ ...row, created_at: row.created_at?.toISOString() ?? '' })),
    members,
  );
}

/** The ids of the user's chats (none for an unknown user: the caller tells the two apart). */
export async function chatIdsOfUser(pool: pg.Pool, userId: Id): Promise<Id[]> {
  const { rows } = await pool.query<{ id: string }>(sql.chatIdsOfUser(userId));
  return rows.map((row) => row.id);
}
