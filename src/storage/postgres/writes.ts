import type pg from 'pg';
import type { AddChatResult, AddMessageResult, AddUserResult, IdempotencyKey } from '../../chat/storage-port.js';
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

export async function forgetIdempotencyKeys(pool: pg.Pool, cutoff: string, limit: number): Promise<number> {
  return (await pool.query(statements.forgetKeys(cutoff, limit))).rowCount ?? 0;
}
