import type { RowDataPacket } from 'mysql2/promise';
import type { MessageRun, MessageRunResult, UserQuery } from '../../chat/storage-port.js';
import type { Chat, Id, User } from '../../model/entities.js';
import type { ChatPage } from '../../model/pages.js';
import { prefixUpperBound } from '../prefix-range.js';
import { chatOf, membersByChat, messageOf, userOf } from '../rows.js';
import { isoFromDatetime } from './datetime.js';
import type { SessionPool } from './session-pool.js';
import { chatPage, limitValue, type MessageAnchor, messageRunStatement, SQL } from './statements.js';

interface ChatRow extends RowDataPacket {
  id: string;
  name: string;
  created_at: string;
  last_message_at: string | null;
  last_read: string | null;
  unread: string;
}
interface MessageRow extends RowDataPacket {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: string;
}
interface MemberRow extends RowDataPacket {
  chat: string;
  user: string;
}
interface UserRow extends RowDataPacket {
  id: string;
  username: string;
  created_at: string;
}
interface PositionRow extends RowDataPacket {
  chat: string;
  at: string;
}

/** Rows per statement when a chat has many members: few round trips, far below max_allowed_packet. */
const ROWS_PER_STATEMENT = 1_000;

export function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    yield items.slice(start, start + ROWS_PER_STATEMENT);
  }
}

async function exists(pool: SessionPool, sql: string, id: Id): Promise<boolean> {
  return (await pool.execute<RowDataPacket[]>(sql, [id])).length > 0;
}

export const userExists = (pool: SessionPool, userId: Id) => exists(pool, SQL.userExists, userId);
export const chatExists = (pool: SessionPool, chatId: Id) => exists(pool, SQL.chatExists, chatId);

export async function findUsers(pool: SessionPool, query: UserQuery): Promise<User[]> {
  const rows =
    'prefix' in query ? await usersWithPrefix(pool, query.prefix, query.limit) : await usersByKey(pool, query);
  return rows.map((row) => userOf(row, isoFromDatetime(row.created_at)));
}

/** Ids or usernames, a chunk of them per statement; none asked runs no statement (`IN ()` is not SQL). */
function usersByKey(pool: SessionPool, query: { ids: readonly Id[] } | { usernames: readonly string[] }) {
  const [sql, keys] =
    'ids' in query
      ? [SQL.usersById, query.ids.map((id) => BigInt(id))]
      : [SQL.usersByUsername, query.usernames.map((username) => Buffer.from(username, 'utf8'))];
  return pool.use(async (connection) => {
    const users: UserRow[] = [];
    for (const chunk of chunks<bigint | Buffer>(keys)) {
      const [rows] = await connection.query<UserRow[]>(sql, [chunk]);
      users.push(...rows);
    }
    return users;
  });
}

function usersWithPrefix(pool: SessionPool, prefix: string, limit: number): Promise<UserRow[]> {
  const bound = prefixUpperBound(prefix);
  const [sql, range] = bound === undefined ? [SQL.usersFrom, [prefix]] : [SQL.usersInRange, [prefix, bound]];
  const values = [...range.map((end) => Buffer.from(end, 'utf8')), limitValue(limit)];
  return pool.use(async (connection) => (await connection.execute<UserRow[]>(sql, values))[0]);
}

export async function chatsOfUser(pool: SessionPool, userId: Id, page: ChatPage): Promise<Chat[] | undefined> {
  const { sql, values } = chatPage(userId, page.after, page.limit);
  const rows = await pool.execute<ChatRow[]>(sql, values);
  if (rows.length === 0) return (await userExists(pool, userId)) ? [] : undefined;
  // Read after the chats: a chat's members are committed with it, so every chat listed has them all.
  const chatIds = rows.map((row) => String(row.id));
  const whole = page.limit === undefined && page.after === undefined;
  const members = whole
    ? membersByChat(chatIds, await pool.execute<MemberRow[]>(SQL.membersOfUsersChats, [userId]))
    : await membersOf(pool, chatIds);
  return rows.map((row) =>
    chatOf(
      row,
      members.get(String(row.id)) ?? [],
      isoFromDatetime(row.created_at),
      row.last_message_at === null ? null : isoFromDatetime(row.last_message_at),
      row,
    ),
  );
}

/** A run from an end of the history asks whether the chat exists only when it finds nothing. */
export async function messageRun(pool: SessionPool, chatId: Id, run: MessageRun): Promise<MessageRunResult> {
  if (run.from === undefined) {
    const rows = await readRun(pool, chatId, run, undefined);
    if (rows.length === 0 && !(await chatExists(pool, chatId))) return { ok: false, reason: 'unknown_chat' };
    return { ok: true, messages: rows };
  }
  if (!(await chatExists(pool, chatId))) return { ok: false, reason: 'unknown_chat' };
  const [position] = await pool.execute<PositionRow[]>(SQL.messagePosition, [run.from]);
  if (!position) return { ok: false, reason: 'unknown_message' };
  if (BigInt(position.chat) !== BigInt(chatId)) return { ok: false, reason: 'foreign_message' };
  // Messages are never deleted, so the anchor read here still holds for the run read below.
  const anchor: MessageAnchor = { id: run.from, at: position.at };
  return { ok: true, messages: await readRun(pool, chatId, run, anchor) };
}

async function readRun(pool: SessionPool, chatId: Id, run: MessageRun, anchor: MessageAnchor | undefined) {
  const { sql, values } = messageRunStatement(chatId, run.direction, anchor, run.limit);
  const rows = await pool.execute<MessageRow[]>(sql, values);
  return rows.map((row) => messageOf(row, isoFromDatetime(row.created_at)));
}

/** The members of the chats listed, each chat's in its order; read a chunk of chats at a time. */
export function membersOf(pool: SessionPool, chatIds: readonly Id[]): Promise<Map<Id, Id[]>> {
  const ids = chatIds.map((id) => BigInt(id));
  return pool.use(async (connection) => {
    const members: MemberRow[] = [];
    for (const chunk of chunks(ids)) {
      const [rows] = await connection.query<MemberRow[]>(SQL.membersOfChats, [chunk]);
      members.push(...rows);
    }
    return membersByChat(chatIds, members);
  });
}
