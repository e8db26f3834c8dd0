import type pg from 'pg';
import { judgeRead, type MarkerTarget, unreadAfter } from '../../chat/read-rules.js';
import type {
  AddChatResult,
  AddMessageResult,
  AddUserResult,
  IdempotencyKey,
  MarkReadResult,
} from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { createOnce } from './idempotency.js';
import { addOneMessage, type MessageBatch } from './message-batch.js';
import { type Queryable, statements } from './statements.js';
import { inTransaction } from './transaction.js';

/** A name already taken is a result, not an error: the unique constraint that refused it says which. */
export const NAME_CONSTRAINTS = { user: 'users_username_key', chat: 'chats_name_key' } as const;

export async function addUser(
  pool: pg.Pool,
  username: string,
  now: string,
  idempotency?: IdempotencyKey,
): Promise<AddUserResult> {
  const insert = async (db: Queryable): Promise<AddUserResult> => {
    const { rows } = await db.query<{ id: string }>(statements.insertUser(username, now));
    return { ok: true, id: (rows[0] as { id: string }).id };
  };
  return idempotency ? createOnce(pool, idempotency, now, insert) : insert(pool);
}

export async function addChat(
  pool: pg.Pool,
  name: string,
  memberIds: readonly Id[],
  now: string,
  idempotency?: IdempotencyKey,
): Promise<AddChatResult> {
  const create = async (client: pg.PoolClient): Promise<AddChatResult> => {
    const unknown = await client.query<{ id: string }>(statements.firstUnknownUser(memberIds));
    if (unknown.rows[0]) return { ok: false, reason: 'unknown_user', userId: unknown.rows[0].id };
    const chat = await client.query<{ id: string }>(statements.insertChat(name, now));
    const chatId = (chat.rows[0] as { id: string }).id;
    await client.query(statements.insertMembers(chatId, memberIds));
    return { ok: true, id: chatId };
  };
  return idempotency ? createOnce(pool, idempotency, now, create) : inTransaction(pool, create);
}

/** With an idempotency key, one statement inside the key's transaction; without, the turn's batch. */
export function addMessage(
  pool: pg.Pool,
  batch: MessageBatch,
  message: { chatId: Id; authorId: Id; text: string },
  now: string,
  idempotency?: IdempotencyKey,
): Promise<AddMessageResult> {
  if (!idempotency) return batch.add(message);
  return createOnce(pool, idempotency, now, (client) => addOneMessage(client, message, now));
}

/** In one transaction, the member's row locked: the facts, judged by read-rules.ts, then the move and its event. */
export function markRead(pool: pg.Pool, chatId: Id, userId: Id, messageId: Id | undefined): Promise<MarkReadResult> {
  return inTransaction(pool, async (client): Promise<MarkReadResult> => {
    const count = (await client.query<{ last_seq: string }>(statements.chatCount(chatId))).rows[0];
    const marker = (
      await client.query<{ seq: string; last_read: string | null }>(statements.lockMarker(chatId, userId))
    ).rows[0];
    const userExists = marker !== undefined || (await client.query(statements.userExists(userId))).rows.length > 0;
    const found = (
      await client.query<{ id: string; chat: string; seq: string }>(
        messageId === undefined ? statements.newestTarget(chatId) : statements.markerTarget(messageId),
      )
    ).rows[0];
    const target: MarkerTarget | undefined = found && { id: found.id, chat: found.chat, seq: Number(found.seq) };
    const verdict = judgeRead(chatId, {
      chatExists: count !== undefined,
      userExists,
      marker: marker && { seq: Number(marker.seq) },
      target,
      named: messageId !== undefined,
    });
    if ('refused' in verdict) return { ok: false, reason: verdict.refused };
    const lastSeq = Number(count?.last_seq ?? 0);
    if (!verdict.moved) {
      const unread = unreadAfter(lastSeq, Number(marker?.seq ?? 0));
      return {
        ok: true,
        moved: false,
        state: { chat: chatId, user: userId, last_read: marker?.last_read ?? null, unread },
      };
    }
    const { seq, id } = verdict.to;
    await client.query(statements.moveMarker(chatId, userId, seq, id));
    const unread = unreadAfter(lastSeq, seq);
    await client.query(statements.logRead(chatId, userId, id, unread));
    return { ok: true, moved: true, state: { chat: chatId, user: userId, last_read: id, unread } };
  });
}

export async function forgetIdempotencyKeys(pool: pg.Pool, cutoff: string, limit: number): Promise<number> {
  return (await pool.query(statements.forgetKeys(cutoff, limit))).rowCount ?? 0;
}
