import type pg from 'pg';
import { answerForKey, type KEY_REUSED, type StoredKey } from '../../chat/key-rules.js';
import type { IdempotencyKey } from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { Refusal, refusedWith } from '../refusal.js';
import { statements } from './statements.js';
import { inTransaction } from './transaction.js';

type Created = { ok: true; id: Id };

/**
 * Runs `create` at most once per idempotency key, whichever connection or process a request reaches.
 * In one transaction the key is claimed first, so that concurrent requests with one key queue behind
 * the first; a request that finds the key taken answers as key-rules.ts says and creates nothing. The
 * key is recorded with the id `create` returns, in the same transaction; a refused `create` rolls
 * everything back and leaves the key free.
 */
export async function createOnce<R extends Created | { ok: false }>(
  pool: pg.Pool,
  idempotency: IdempotencyKey,
  now: string,
  create: (client: pg.PoolClient) => Promise<R>,
): Promise<R | Created | typeof KEY_REUSED> {
  try {
    return await inTransaction(pool, async (client): Promise<R | Created | typeof KEY_REUSED> => {
      const answer = answerForKey(await claim(client, idempotency, now), idempotency.fingerprint);
      if (answer !== undefined) return answer;
      const result = await create(client);
      if (!result.ok) throw new Refusal(result);
      await client.query(statements.recordKeyEntity(idempotency.key, result.id));
      return result;
    });
  } catch (error) {
    const refused = refusedWith<R>(error);
    if (refused !== undefined) return refused;
    throw error;
  }
}

/** Claims the key for this transaction, or returns the committed request that holds it. */
async function claim(
  client: pg.PoolClient,
  { key, fingerprint }: IdempotencyKey,
  now: string,
): Promise<StoredKey | undefined> {
  for (;;) {
    const claimed = await client.query(statements.claimKey(key, fingerprint, now));
    if (claimed.rows.length > 0) return undefined;
    const { rows } = await client.query<StoredKey>(statements.findKey(key));
    if (rows[0]) return rows[0];
    // The key was forgotten between the two statements: it is free again, so claim it afresh.
  }
}
