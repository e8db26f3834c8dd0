import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { judgePost } from '../../chat/post-rules.js';
import { judgeRead, unreadAfter } from '../../chat/read-rules.js';
import type { AddChatResult, AddMessageResult, MarkReadResult } from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { Refusal } from '../refusal.js';
import { msFromDatetime, toDatetime } from './datetime.js';
import { isDuplicateKey } from './errors.js';
import type { Create } from './idempotency.js';
import { chunks } from './reads.js';
import type { Connection } from './session-pool.js';
import { SQL } from './statements.js';

interface ChatLockRow extends RowDataPacket {
  last_message_at: string | null;
  last_seq: string;
  member: number;
}
interface MarkerRow extends RowDataPacket {
  seq: string;
  last_read: string | null;
}
interface TargetRow extends RowDataPacket {
  id: string;
  chat: string;
  seq: string;
}

/**
 * Each write's SQL on the connection of its transaction. A refusal is thrown as a Refusal so that the
 * transaction rolls back; the caller answers it as the write's result.
 */
export function insertUser(username: string, now: number): Create {
  return async (connection) => {
    try {
      const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertUser, [username, toDatetime(now)]);
      return { ok: true, id: String(inserted.insertId) };
    } catch (error) {
      if (isDuplicateKey(error)) throw new Refusal({ ok: false, reason: 'username_taken' } as const);
      throw error;
    }
  };
}

export function insertChat(name: string, memberIds: readonly Id[], now: number): Create {
  return async (connection) => {
    const members = memberIds.map((id) => BigInt(id));
    const unknown = await firstUnknownUser(connection, members);
    if (unknown !== undefined) {
      throw new Refusal<AddChatResult>({ ok: false, reason: 'unknown_user', userId: unknown });
    }
    let chatId: Id;
    try {
      const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertChat, [name, toDatetime(now)]);
      chatId = String(inserted.insertId);
    } catch (error) {
      if (isDuplicateKey(error)) throw new Refusal<AddChatResult>({ ok: false, reason: 'name_taken' });
      throw error;
    }
    await insertMembers(connection, chatId, members);
    return { ok: true, id: chatId };
  };
}

/**
 * The lock on the chat row makes posts to one chat take turns, from reading `last_message_at` to commit:
 * message ids are drawn and committed in order within a chat.
 */
export function insertMessage(chatId: Id, authorId: Id, text: string, now: number): Create {
  return async (connection) => {
    const [[chat]] = await connection.execute<ChatLockRow[]>(SQL.lockChatForAuthor, [authorId, chatId]);
    const member = Number(chat?.member) === 1;
    const authorExists =
      member || (await connection.execute<RowDataPacket[]>(SQL.userExists, [authorId]))[0].length > 0;
    const verdict = judgePost(
      {
        chatExists: chat !== undefined,
        member,
        authorExists,
        lastMessageAt: chat?.last_message_at == null ? null : msFromDatetime(chat.last_message_at),
      },
      now,
    );
    if (!verdict.accepted) throw new Refusal<AddMessageResult>({ ok: false, reason: verdict.refusal });
    const createdAt = toDatetime(verdict.createdAt);
    // Its place in the chat, taken under the chat's lock like its time.
    const seq = String(BigInt(chat?.last_seq ?? 0) + 1n);
    const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertMessage, [
      chatId,
      authorId,
      text,
      createdAt,
      seq,
    ]);
    const id = String(inserted.insertId);
    await connection.execute(SQL.touchChat, [createdAt, seq, chatId]);
    // What one wrote counts as read.
    await connection.execute(SQL.moveMarker, [seq, id, chatId, authorId, seq]);
    return { ok: true, id };
  };
}

/** In one transaction, the member's row locked: the facts, judged by read-rules.ts, then the move and its event. */
export async function markRead(
  connection: Connection,
  chatId: Id,
  userId: Id,
  messageId: Id | undefined,
): Promise<MarkReadResult> {
  const [[count]] = await connection.execute<RowDataPacket[]>(SQL.chatCount, [chatId]);
  const [[marker]] = await connection.execute<MarkerRow[]>(SQL.lockMarker, [chatId, userId]);
  const userExists =
    marker !== undefined || (await connection.execute<RowDataPacket[]>(SQL.userExists, [userId]))[0].length > 0;
  const [[found]] = await connection.execute<TargetRow[]>(
    messageId === undefined ? SQL.newestTarget : SQL.markerTarget,
    [messageId ?? chatId],
  );
  const verdict = judgeRead(chatId, {
    chatExists: count !== undefined,
    userExists,
    marker: marker && { seq: Number(marker.seq) },
    target: found && { id: String(found.id), chat: String(found.chat), seq: Number(found.seq) },
    named: messageId !== undefined,
  });
  if ('refused' in verdict) return { ok: false, reason: verdict.refused };
  const lastSeq = Number(count?.last_seq ?? 0);
  if (!verdict.moved) {
    const lastRead = marker?.last_read == null ? null : String(marker.last_read);
    const state = {
      chat: chatId,
      user: userId,
      last_read: lastRead,
      unread: unreadAfter(lastSeq, Number(marker?.seq ?? 0)),
    };
    return { ok: true, moved: false, state };
  }
  const { seq, id } = verdict.to;
  await connection.execute(SQL.moveMarker, [String(seq), id, chatId, userId, String(seq)]);
  const unread = unreadAfter(lastSeq, seq);
  await connection.execute(SQL.logRead, [chatId, userId, id, String(unread)]);
  return { ok: true, moved: true, state: { chat: chatId, user: userId, last_read: id, unread } };
}

/** The first of `members`, in their order, that is not a user; checked a chunk at a time. */
async function firstUnknownUser(connection: Connection, members: readonly bigint[]): Promise<Id | undefined> {
  for (const chunk of chunks(members)) {
    const [rows] = await connection.query<RowDataPacket[]>(SQL.knownUsers, [chunk]);
    const known = new Set(rows.map((row) => String(row.id)));
    const unknown = chunk.find((id) => !known.has(String(id)));
    if (unknown !== undefined) return String(unknown);
  }
  return undefined;
}

/** Multi-row INSERTs of client-side literals: their size varies, so they are not worth preparing. */
async function insertMembers(connection: Connection, chatId: Id, members: readonly bigint[]): Promise<void> {
  const chat = BigInt(chatId);
  let position = 0;
  for (const chunk of chunks(members)) {
    const rows = chunk.map((user) => [chat, user, position++]);
    await connection.query(SQL.insertMembers, [rows]);
  }
}
