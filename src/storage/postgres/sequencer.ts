import type pg from 'pg';
import { SEQUENCE_BATCH, eventStatements as sql } from './event-statements.js';
import { inTransaction } from './transaction.js';

/**
 * Gives log positions to the chats and messages committed without one, and returns how many.
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
    if (chats + messages > 0) await client.query(sql.moveHead(start + chats + messages));
    return chats + messages;
  });
}
