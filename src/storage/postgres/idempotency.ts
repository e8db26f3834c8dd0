import type pg from 'pg';
import type { Id } from '../../chat/model.js';
import type { IdempotencyKey, KeyReused } from '../storage.js';
import { statements } from './statements.js';
import { inTransaction } from './transaction.js';

type Created = { ok: true; id: Id };

const KEY_REUSED: KeyReused = { ok: false, reason: 'key_reused' };

/** A write refused by the chat's rules; thrown so that the transaction, and the key's claim, roll back. */
class Refusal<R> {
  constructor(readonly result: R) {}
}

/**
 * Runs `create` at most once per idempotency key, whichever connection or process a request reaches.
 * In one transaction the key is claimed first, so that concurrent requests with one key queue behind
 * the first; a request that finds the key taken answers what it created (or refuses a different
 * request) and creates nothing. The key is recorded with the id `create` returns, in the same
 * transaction; a refused `create` rolls everything back and leaves the key free.
 */
export async function createOnce<R extends Created | { ok: false }>(
  pool: pg.Pool,
  idempotency: IdempotencyKey,
  now: string,
  create: (client: pg.PoolClient) => Promise<R>,
): Promise<R | Created | KeyReused> {
  try {
    return await inTransaction(pool, async (client): Promise<R | Created | KeyReused> => {
      const prior = await claim(client, idempotency, now);
      if (prior) return prior.fingerprint === idempotency.fingerprint ? { ok: true, id: prior.id } : KEY_REUSED;
      const result = await create(client);
      if (!result.ok) throw new Refusal(result);
      await client.query(statements.recordKeyEntity(idempotency.key, result.id));
      return result;
    });
  } catch (error) {
    if (error instanceof Refusal) return error.result as R;
    throw error;
  }
}

/** Claims the key for this transaction, or returns the committed request that holds it. */
async function claim(
  client: pg.PoolClient,
  { key, fingerprint }: IdempotencyKey,
  now: string,
): Promise<{ fingerprint: string; id: Id } | undefined> {
  for (;;) {
    const claimed = await client.query(statements.claimKey(key, fingerprint, now));
    if (claimed.rows.length > 0) return undefined;
    const { rows } = await client.query<{ fingerprint: string; id: Id }>(statements.findKey(key));
    if (rows[0]) return rows[0];
    // The key was forgotten between the two statements: it is free again, so claim it afresh.
  }
}
