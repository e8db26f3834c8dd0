import type pg from 'pg';
import type { MessageRun, MessageRunResult, UserQuery } from '../../chat/storage-port.js';
import type { Chat, Id, User } from '../../model/entities.js';
import type { ChatPage } from '../../model/pages.js';
import { prefixUpperBound } from '../prefix-range.js';
import { chatOf, type MessageRow, messageOf, type UserRow, userOf } from '../rows.js';
import { statements } from './statements.js';

interface ChatRow {
  id: string;
  name: string;
  users: string[];
  created_at: Date;
  last_message_at: Date | null;
  last_read: string | null;
  unread: string;
}
interface AnchorRow {
  chat_exists: boolean;
  in_chat: boolean | null;
  at: Date | null;
}

type Row = MessageRow & { created_at: Date };

// Times go in as ISO strings: a float of seconds (to_timestamp) would lose the millisecond.
const iso = (ms: number) => new Date(ms).toISOString();

const messagesOf = (rows: Row[]): MessageRunResult => ({
  ok: true,
  messages: rows.map((row) => messageOf(row, row.created_at.toISOString())),
});

async function exists(pool: pg.Pool, query: pg.QueryConfig): Promise<boolean> {
  return (await pool.query(query)).rows.length > 0;
}

export async function userExists(pool: pg.Pool, userId: Id): Promise<boolean> {
  return exists(pool, statements.userExists(userId));
}

export async function chatExists(pool: pg.Pool, chatId: Id): Promise<boolean> {
  return exists(pool, statements.chatExists(chatId));
}

export async function findUsers(pool: pg.Pool, query: UserQuery): Promise<User[]> {
  const { rows } = await pool.query<UserRow & { created_at: Date }>(userStatement(query));
  return rows.map((row) => userOf(row, row.created_at.toISOString()));
}

function userStatement(query: UserQuery): pg.QueryConfig {
  if ('ids' in query) return statements.usersById(query.ids);
  if ('usernames' in query) return statements.usersByUsername(query.usernames);
  const bound = prefixUpperBound(query.prefix);
  return bound === undefined
    ? statements.usersFrom(query.prefix, query.limit)
    : statements.usersInRange(query.prefix, bound, query.limit);
}

export async function chatsOfUser(pool: pg.Pool, userId: Id, { limit, after }: ChatPage): Promise<Chat[] | undefined> {
  const query = after
    ? statements.chatsOfUserAfter(userId, after.active, iso(after.at), after.id, limit ?? null)
    : statements.chatsOfUser(userId, limit ?? null);
  const { rows } = await pool.query<ChatRow>(query);
  if (rows.length === 0) return (await userExists(pool, userId)) ? [] : undefined;
  return rows.map((row) =>
    chatOf(row, row.users, row.created_at.toISOString(), row.last_message_at?.toISOString() ?? null, row),
  );
}

/**
 * A run is a range of the (chat_id, created_at, id) index, walked from a row comparison: a page reads
 * only its own rows. A run from an end of the history asks whether the chat exists only when it finds
 * nothing.
 */
export async function messageRun(pool: pg.Pool, chatId: Id, run: MessageRun): Promise<MessageRunResult> {
  const forward = run.direction === 'forward';
  const limit = run.limit ?? null;
  if (run.from === undefined) {
    const query = forward ? statements.oldestMessages(chatId, limit) : statements.newestMessages(chatId, limit);
    const { rows } = await pool.query<Row>(query);
    if (rows.length === 0 && !(await chatExists(pool, chatId))) return { ok: false, reason: 'unknown_chat' };
    return messagesOf(rows);
  }
  const { rows } = await pool.query<AnchorRow>(statements.pageAnchor(chatId, run.from));
  const anchor = rows[0] as AnchorRow;
  if (!anchor.chat_exists) return { ok: false, reason: 'unknown_chat' };
  if (anchor.at === null) return { ok: false, reason: 'unknown_message' };
  if (!anchor.in_chat) return { ok: false, reason: 'foreign_message' };
  const at = anchor.at.toISOString();
  const query = forward
    ? statements.messagesAfter(chatId, at, run.from, limit)
    : statements.messagesBefore(chatId, at, run.from, limit);
  return messagesOf((await pool.query<Row>(query)).rows);
}
