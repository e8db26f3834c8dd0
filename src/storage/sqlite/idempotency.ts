import { answerForKey, type KEY_REUSED, type StoredKey } from '../../chat/key-rules.js';
import type { IdempotencyKey } from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import type { SqliteStatements } from './statements.js';

/**
 * Creates at most once per idempotency key: a key seen before answers as key-rules.ts says; a new key is
 * recorded with what it created, in the same savepoint. The writer's connection is the only one that
 * writes, so no other request can slip in between.
 */
export function createOnce<R extends { ok: true; id: Id } | { ok: false }>(
  statements: SqliteStatements,
  idempotency: IdempotencyKey | undefined,
  now: number,
  create: () => R,
): R | typeof KEY_REUSED | { ok: true; id: Id } {
  if (idempotency === undefined) return create();
  const answer = answerForKey(
    statements.findKey.get(idempotency.key) as StoredKey | undefined,
    idempotency.fingerprint,
  );
  if (answer !== undefined) return answer;
  const result = create();
  if (result.ok) statements.recordKey.run(idempotency.key, idempotency.fingerprint, BigInt(result.id), now);
  return result;
}
