import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { answerForKey, type KEY_REUSED } from '../../chat/key-rules.js';
import type { IdempotencyKey } from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { isDuplicateKey, unavailable } from './errors.js';
import { type Connection, type SessionPool, transactionOn } from './session-pool.js';
import { KEY_TURN_WAIT_SECONDS, SQL } from './statements.js';

interface KeyRow extends RowDataPacket {
  fingerprint: string;
  entity_id: string;
}

/** What a keyed write creates, on the connection of its transaction; a refusal is thrown, not returned. */
export type Create = (connection: Connection) => Promise<{ ok: true; id: Id }>;

/** Thrown out of a transaction whose key another transaction already committed, to roll it back. */
const KEY_TAKEN = Symbol('key taken');

/** A key answered and then forgotten at once twice in a row would mean a cutoff in the future. */
const CLAIM_ATTEMPTS = 3;

/**
 * Creates at most once per idempotency key, however many processes retry at once. A transaction first
 * claims the key by inserting it, creates, records the id created with the claim, and commits: the
 * unique key makes a second creation impossible. A claim that finds the key committed rolls back and
 * answers from the row, read afresh, as key-rules.ts says. A refusal
 * rolls its claim back with the rest, so its key stays free.
 *
 * Same-key writes also take turns on a named lock around that transaction. Without it, inserts of a
 * key wait for its uncommitted claim; if that claim is then rolled back (a refusal), every waiter holds
 * a shared lock on the key and needs an exclusive one: InnoDB resolves that by failing all of them
 * but one as deadlock victims, again for each refusal, and a burst of retries of a refused request
 * outlasts any number of attempts. The lock only orders writers; the unique key alone keeps them exact.
 */
export function createOnce(
  pool: SessionPool,
  idempotency: IdempotencyKey,
  claimedAt: string,
  create: Create,
): Promise<{ ok: true; id: Id } | typeof KEY_REUSED> {
  const { key } = idempotency;
  const fingerprint = storedFingerprint(idempotency.fingerprint);
  return pool.use(async (connection) => {
    await takeTurn(connection, key);
    try {
      for (let attempt = 1; ; attempt++) {
        const created = await transactionOn(connection, async () => {
          await claim(connection, [key, fingerprint, claimedAt]);
          const result = await create(connection);
          await connection.execute(SQL.settleKey, [result.id, key]);
          return result;
        }).catch((error: unknown) => {
          if (error === KEY_TAKEN) return undefined;
          throw error;
        });
        if (created) return created;
        // Outside the transaction rolled back: a statement of its own reads a fresh snapshot.
        const [[prior]] = await connection.execute<KeyRow[]>(SQL.findKey, [key]);
        const answer = answerForKey(
          prior && { fingerprint: prior.fingerprint, id: String(prior.entity_id) },
          fingerprint,
        );
        if (answer !== undefined) return answer;
        if (attempt === CLAIM_ATTEMPTS) throw new Error(`idempotency key ${JSON.stringify(key)} keeps vanishing`);
      }
    } finally {
      await endTurn(connection, key);
    }
  });
}

async function takeTurn(connection: Connection, key: string): Promise<void> {
  const [[turn]] = await connection.execute<RowDataPacket[]>(SQL.takeKeyTurn, [key]);
  if (Number(turn?.locked) !== 1) {
    throw unavailable(`another write with this idempotency key has been running for over ${KEY_TURN_WAIT_SECONDS}s`);
  }
}

/** A connection that cannot give the lock back must not return to the pool holding it. */
async function endTurn(connection: Connection, key: string): Promise<void> {
  await connection.execute(SQL.endKeyTurn, [key]).catch(() => connection.destroy());
}

async function claim(connection: Connection, values: string[]): Promise<void> {
  try {
    await connection.execute(SQL.claimKey, values);
  } catch (error) {
    throw isDuplicateKey(error) ? KEY_TAKEN : error;
  }
}

/**
 * The column holds a hex SHA-256, as the service computes; any other fingerprint is hashed to one, so
 * that every string fits and compares exactly (CHAR drops trailing spaces).
 */
function storedFingerprint(fingerprint: string): string {
  return /^[0-9a-f]{64}$/.test(fingerprint) ? fingerprint : createHash('sha256').update(fingerprint).digest('hex');
}
