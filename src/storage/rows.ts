import type { Chat, Id, Message, User } from '../model/entities.js';

/**
 * Rows to entities, once for every backend. Each backend reads its own column types (a number, a
 * string, a BigInt) and times (milliseconds, a Date, a DATETIME string), and hands them over with the
 * times already as ISO 8601 UTC with milliseconds.
 */
export interface MessageRow {
  id: unknown;
  chat: unknown;
  author: unknown;
  text: string;
}

export interface ChatRow {
  id: unknown;
  name: string;
}

export const messageOf = (row: MessageRow, createdAt: string): Message => ({
  id: String(row.id),
  chat: String(row.chat),
  author: String(row.author),
  text: row.text,
  created_at: createdAt,
});

/** A member's read state as stored: the marker's message (null before any) and the unread count. */
export interface ReadRow {
  last_read: unknown;
  unread: unknown;
}

/** A new chat, as its members first see it: nothing to read yet. */
export const NOTHING_READ: ReadRow = { last_read: null, unread: 0 };

export const chatOf = (
  row: ChatRow,
  users: Id[],
  createdAt: string,
  lastMessageAt: string | null,
  read: ReadRow,
): Chat => ({
  id: String(row.id),
  name: row.name,
  users,
  created_at: createdAt,
  last_message_at: lastMessageAt,
  last_read: read.last_read === null ? null : String(read.last_read),
  unread: Number(read.unread),
});

export interface UserRow {
  id: unknown;
  username: string;
}

export const userOf = (row: UserRow, createdAt: string): User => ({
  id: String(row.id),
  username: row.username,
  created_at: createdAt,
});

/** Members read as (chat, user) rows, in each chat's order, grouped by chat; every chat asked has a list. */
export function membersByChat(chatIds: readonly Id[], rows: Iterable<{ chat: unknown; user: unknown }>): Map<Id, Id[]> {
  const members = new Map<Id, Id[]>(chatIds.map((id) => [id, []]));
  for (const row of rows) members.get(String(row.chat))?.push(String(row.user));
  return members;
}
