import type { Id } from '../../model/entities.js';
import type { ChatPosition } from '../../model/pages.js';
import { toDatetime } from './datetime.js';

const KEY_LOCK_NAME = "CONCAT('parley_key.', SHA1(CONCAT(DATABASE(), '.', ?)))";
/** As long as InnoDB's default wait for a row lock, which it replaces for same-key writes. */
export const KEY_TURN_WAIT_SECONDS = 50;

const USER_COLUMNS = 'id, username, created_at';

/**
 * The SQL of the MySQL backend. Ids travel as decimal strings and are compared through
 * `CAST(? AS SIGNED)`: MySQL 5.7 may compare a BIGINT column with a string parameter as doubles, which
 * cannot tell ids above 2^53 apart.
 */
export const SQL = {
  insertUser: 'INSERT INTO users (username, created_at) VALUES (?, ?)',
  userExists: 'SELECT 1 FROM users WHERE id = CAST(? AS SIGNED)',
  // Filled in by the driver with a list of BigInt ids, as knownUsers.
  usersById: `SELECT ${USER_COLUMNS} FROM users WHERE id IN (?)`,
  // Usernames are looked up and ranged over by their bytes, on users_username_bytes (migration step 4):
  // the VARCHAR's PAD SPACE collation would match 'x ' for 'x'. Buffers go to the driver, which writes
  // them as binary literals here and sends them as binary parameters below.
  usersByUsername: `SELECT ${USER_COLUMNS} FROM users WHERE username_bytes IN (?)`,
  // A prefix is a range of those bytes (see prefix-range.ts): UTF-8 byte order is code point order.
  usersInRange: `SELECT ${USER_COLUMNS} FROM users WHERE username_bytes >= ? AND username_bytes < ?
    ORDER BY username_bytes LIMIT ?`,
  usersFrom: `SELECT ${USER_COLUMNS} FROM users WHERE username_bytes >= ? ORDER BY username_bytes LIMIT ?`,
  chatExists: 'SELECT 1 FROM chats WHERE id = CAST(? AS SIGNED)',
  insertChat: 'INSERT INTO chats (name, created_at) VALUES (?, ?)',
  // Filled in by the driver with lists of BigInt ids, which it writes as integer literals.
  knownUsers: 'SELECT id FROM users WHERE id IN (?)',
  insertMembers: 'INSERT INTO chat_members (chat_id, user_id, position) VALUES ?',
  // The lock on the chat row makes posts to one chat take turns, from reading `last_message_at` to
  // commit: message ids are drawn and committed in order within a chat, so `created_at, id` order
  // is commit order, which later features (reading new messages since an id) rely on.
  lockChatForAuthor: `
    SELECT c.last_message_at, c.last_seq,
           EXISTS (SELECT 1 FROM chat_members AS m WHERE m.chat_id = c.id AND m.user_id = CAST(? AS SIGNED)) AS member
    FROM chats AS c WHERE c.id = CAST(? AS SIGNED)
    FOR UPDATE`,
  insertMessage: `INSERT INTO messages (chat_id, author_id, text, created_at, seq)
    VALUES (CAST(? AS SIGNED), CAST(? AS SIGNED), ?, ?, CAST(? AS SIGNED))`,
  touchChat: 'UPDATE chats SET last_message_at = ?, last_seq = CAST(? AS SIGNED) WHERE id = CAST(? AS SIGNED)',
  // Never back: of two moves, the one to the later message wins, whichever comes last.
  moveMarker: `UPDATE chat_members SET last_read_seq = CAST(? AS SIGNED), last_read_id = CAST(? AS SIGNED)
    WHERE chat_id = CAST(? AS SIGNED) AND user_id = CAST(? AS SIGNED) AND last_read_seq < CAST(? AS SIGNED)`,
  chatCount: 'SELECT last_seq FROM chats WHERE id = CAST(? AS SIGNED)',
  // The member's row is locked to commit: moves of one marker take turns, so their events are logged in
  // the order the marker moved.
  lockMarker: `SELECT last_read_seq AS seq, last_read_id AS last_read FROM chat_members
    WHERE chat_id = CAST(? AS SIGNED) AND user_id = CAST(? AS SIGNED) FOR UPDATE`,
  markerTarget: 'SELECT id, chat_id AS chat, seq FROM messages WHERE id = CAST(? AS SIGNED)',
  newestTarget: `SELECT id, chat_id AS chat, seq FROM messages WHERE chat_id = CAST(? AS SIGNED)
    ORDER BY created_at DESC, id DESC LIMIT 1`,
  logRead: `INSERT INTO read_events (chat_id, user_id, last_read_id, unread)
    VALUES (CAST(? AS SIGNED), CAST(? AS SIGNED), CAST(? AS SIGNED), CAST(? AS SIGNED))`,
  membersOfUsersChats: `
    SELECT m.chat_id AS chat, m.user_id AS \`user\`
    FROM chat_members AS mine JOIN chat_members AS m ON m.chat_id = mine.chat_id
    WHERE mine.user_id = CAST(? AS SIGNED)
    ORDER BY m.chat_id, m.position`,
  // Filled in by the driver with a list of BigInt chat ids, as knownUsers.
  membersOfChats:
    'SELECT chat_id AS chat, user_id AS `user` FROM chat_members WHERE chat_id IN (?) ORDER BY chat_id, position',
  messagePosition: 'SELECT chat_id AS chat, created_at AS at FROM messages WHERE id = CAST(? AS SIGNED)',
  // Named locks are server-wide and their names at most 64 characters: the database and the key are
  // hashed together into one. See idempotency.ts for why same-key writes take turns.
  takeKeyTurn: `SELECT GET_LOCK(${KEY_LOCK_NAME}, ${KEY_TURN_WAIT_SECONDS}) AS locked`,
  endKeyTurn: `SELECT RELEASE_LOCK(${KEY_LOCK_NAME}) AS released`,
  // `entity_id` stays 0 until the same transaction knows what it created (see idempotency.ts).
  claimKey: 'INSERT INTO idempotency_keys (`key`, fingerprint, entity_id, created_at) VALUES (?, ?, 0, ?)',
  settleKey: 'UPDATE idempotency_keys SET entity_id = CAST(? AS SIGNED) WHERE `key` = ?',
  findKey: 'SELECT fingerprint, entity_id FROM idempotency_keys WHERE `key` = ?',
  // Oldest first along idempotency_keys_by_age (which ends with the primary key, hence the tie-break):
  // a bounded batch locks only the rows it deletes and the gap before the next one.
  forgetKeys:
    'DELETE FROM idempotency_keys WHERE created_at < CAST(? AS DATETIME(3)) ORDER BY created_at, `key` LIMIT ?',
} as const;

/**
 * The SQL of paged reads, built from the few shapes a page can take (so that each shape is prepared
 * once per connection). Keyset conditions are spelled out as ORs rather than row comparisons such as
 * `(created_at, id) > (?, ?)`, which MySQL 5.7 does not reliably turn into an index range. Times are
 * compared through `CAST(? AS DATETIME(3))`, so that a string parameter is never compared as a string.
 */
export interface PageStatement {
  sql: string;
  values: string[];
}

/** The message a run of history starts from (exclusive), as read back from the database. */
export interface MessageAnchor {
  id: Id;
  /** Its `created_at`. */
  at: string;
}

const MESSAGE_COLUMNS = 'm.id, m.chat_id AS chat, m.author_id AS author, m.text, m.created_at';

/**
 * A run of a chat's messages along `messages_by_chat`: forward (oldest first) or backward (newest
 * first, so that LIMIT keeps the newest), from an anchor or from an end of the history.
 */
export function messageRunStatement(
  chatId: Id,
  direction: 'forward' | 'backward',
  anchor: MessageAnchor | undefined,
  limit: number | undefined,
): PageStatement {
  const past = direction === 'forward' ? '>' : '<';
  const keyset = anchor
    ? `AND (m.created_at ${past} CAST(? AS DATETIME(3))
         OR (m.created_at = CAST(? AS DATETIME(3)) AND m.id ${past} CAST(? AS SIGNED)))`
    : '';
  const order = direction === 'forward' ? 'm.created_at, m.id' : 'm.created_at DESC, m.id DESC';
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
      WHERE m.chat_id = CAST(? AS SIGNED) ${keyset}
      ORDER BY ${order}${limitClause(limit)}`,
    values: [chatId, ...(anchor ? [anchor.at, anchor.at, anchor.id] : []), ...limitValues(limit)],
  };
}

/**
 * A page of a user's chats in list order: descending by (has messages, last message or creation time,
 * id). Past an active chat come the active ones before it, then every quiet one; past a quiet chat,
 * only the quiet ones before it.
 */
export function chatPage(userId: Id, after: ChatPosition | undefined, limit: number | undefined): PageStatement {
  const at = after === undefined ? '' : toDatetime(after.at);
  const keyset =
    after === undefined
      ? ''
      : after.active
        ? `AND (c.last_message_at IS NULL OR c.last_message_at < CAST(? AS DATETIME(3))
             OR (c.last_message_at = CAST(? AS DATETIME(3)) AND c.id < CAST(? AS SIGNED)))`
        : `AND c.last_message_at IS NULL AND (c.created_at < CAST(? AS DATETIME(3))
             OR (c.created_at = CAST(? AS DATETIME(3)) AND c.id < CAST(? AS SIGNED)))`;
  return {
    sql: `SELECT c.id, c.name, c.created_at, c.last_message_at,
        m.last_read_id AS last_read, c.last_seq - m.last_read_seq AS unread
      FROM chat_members AS m JOIN chats AS c ON c.id = m.chat_id
      WHERE m.user_id = CAST(? AS SIGNED) ${keyset}
      ORDER BY c.last_message_at IS NULL, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC${limitClause(limit)}`,
    values: [userId, ...(after === undefined ? [] : [at, at, after.id]), ...limitValues(limit)],
  };
}

const limitClause = (limit: number | undefined) => (limit === undefined ? '' : ' LIMIT ?');

/**
 * mysql2 sends a JavaScript number as a DOUBLE, which MySQL 8.0.22+ refuses for `LIMIT ?`; a decimal
 * string is read as an integer there as on 5.7 and MariaDB. A placeholder, unlike an inlined number,
 * keeps one prepared statement per shape instead of one per limit (the server caps them, all
 * connections together).
 */
export function limitValue(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`a limit is a count of rows, not ${limit}`);
  return String(limit);
}

const limitValues = (limit: number | undefined): string[] => (limit === undefined ? [] : [limitValue(limit)]);
