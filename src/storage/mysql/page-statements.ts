import type { Id } from '../../chat/model.js';
import type { ChatPosition } from '../storage.js';
import { toDatetime } from './datetime.js';

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

/** The message a page of history starts from, and on which side of it the page lies. */
export interface MessageAnchor {
  side: 'after' | 'before';
  id: Id;
  /** Its `created_at`, as read back from the database. */
  at: string;
}

const MESSAGE_COLUMNS = 'm.id, m.chat_id AS chat, m.author_id AS author, m.text, m.created_at';

/**
 * A page of a chat's messages along `messages_by_chat`: forwards (oldest first) after an anchor or from
 * the start, otherwise backwards (newest first, so that LIMIT keeps the newest; the caller reverses them).
 */
export function messagePage(
  chatId: Id,
  anchor: MessageAnchor | undefined,
  limit: number | undefined,
  fromStart = false,
): PageStatement & { newestFirst: boolean } {
  const forward = anchor === undefined ? fromStart : anchor.side === 'after';
  const past = forward ? '>' : '<';
  const keyset = anchor
    ? `AND (m.created_at ${past} CAST(? AS DATETIME(3))
         OR (m.created_at = CAST(? AS DATETIME(3)) AND m.id ${past} CAST(? AS SIGNED)))`
    : '';
  const order = forward ? 'm.created_at, m.id' : 'm.created_at DESC, m.id DESC';
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
      WHERE m.chat_id = CAST(? AS SIGNED) ${keyset}
      ORDER BY ${order}${limitClause(limit)}`,
    values: [chatId, ...(anchor ? [anchor.at, anchor.at, anchor.id] : []), ...limitValues(limit)],
    newestFirst: !forward,
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
    sql: `SELECT c.id, c.name, c.created_at, c.last_message_at
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
