import type { Database } from 'better-sqlite3';
import type { Id } from '../../chat/model.js';
import { ParleyError } from '../../errors.js';
import type { AddChatResult, AddMessageResult, AddUserResult, IdempotencyKey, KeyReused } from '../storage.js';
import { asStorageError, isUniqueViolation } from './errors.js';
import { prepareEventStatements, type SqliteEventStatements } from './event-statements.js';
import { prepareStatements, type SqliteStatements } from './statements.js';

/**
 * A write as plain data, so that it can be handed to the writer's thread. `now` is the time the request
 * arrived (ms since the epoch): the caller's clock, whatever thread the write runs on.
 */
export type WriteCommand =
  | { kind: 'addUser'; username: string; idempotency?: IdempotencyKey; now: number }
  | { kind: 'addChat'; name: string; memberIds: readonly Id[]; idempotency?: IdempotencyKey; now: number }
  | { kind: 'addMessage'; chatId: Id; authorId: Id; text: string; idempotency?: IdempotencyKey; now: number }
  | { kind: 'forgetKeys'; cutoff: number; limit: number };

export type WriteResult = AddUserResult | AddChatResult | AddMessageResult | number;

/**
 * What became of a write, as plain data: its result (refusals included), or why it failed, which is not
 * the request's fault: the database is unavailable (a 503), or something is wrong with Parley (a 500).
 */
export type WriteOutcome = { value: WriteResult } | { failure: WriteFailure };
export interface WriteFailure {
  unavailable: boolean;
  message: string;
}

/** A write refused by the chat's rules; thrown inside the write so that its savepoint is rolled back. */
class Refusal {
  constructor(readonly result: WriteResult) {}
}

const KEY_REUSED: KeyReused = { ok: false, reason: 'key_reused' };

/**
 * The chat's rules for each write, on the connection that writes. Each write runs inside the group
 * commit's savepoint (see WriteBatch): a refusal throws, so that whatever it wrote is rolled back.
 */
export class SqliteWrites {
  private readonly statements: SqliteStatements;
  private readonly events: SqliteEventStatements;

  constructor(db: Database) {
    this.statements = prepareStatements(db);
    this.events = prepareEventStatements(db);
  }

  apply(command: WriteCommand): WriteResult {
    switch (command.kind) {
      case 'addUser':
        return this.once(command.idempotency, command.now, () => {
          const info = this.statements.insertUser.run(command.username, command.now);
          return { ok: true, id: String(info.lastInsertRowid) } as const;
        });
      case 'addChat':
        return this.once(command.idempotency, command.now, () =>
          this.addChat(command.name, command.memberIds, command.now),
        );
      case 'addMessage':
        return this.once(command.idempotency, command.now, () =>
          this.addMessage(BigInt(command.chatId), BigInt(command.authorId), command.text, command.now),
        );
      case 'forgetKeys':
        return this.statements.forgetKeys.run(command.cutoff, command.limit).changes;
    }
  }

  private addChat(name: string, memberIds: readonly Id[], now: number): AddChatResult {
    const members = `[${memberIds.join(',')}]`;
    const unknown = this.statements.firstUnknownUser.get(members) as { id: string } | undefined;
    if (unknown) throw new Refusal({ ok: false, reason: 'unknown_user', userId: unknown.id });
    const position = this.nextLogPosition();
    const chatId = this.statements.insertChat.run(name, now, position).lastInsertRowid;
    this.statements.insertMembers.run(chatId, members);
    return { ok: true, id: String(chatId) };
  }

  private addMessage(chat: bigint, author: bigint, text: string, now: number): AddMessageResult {
    const target = this.statements.chatForAuthor.get(author, chat) as
      | { last_message_at: number | null; member: number }
      | undefined;
    if (!target) throw new Refusal({ ok: false, reason: 'unknown_chat' });
    if (!target.member) {
      const reason = this.statements.userExists.get(author) ? 'not_a_member' : 'unknown_author';
      throw new Refusal({ ok: false, reason });
    }
    // Never earlier than the chat's last message: `created_at, id` order stays insertion order.
    const createdAt = Math.max(now, target.last_message_at ?? 0);
    const position = this.nextLogPosition();
    const id = this.statements.insertMessage.run(chat, author, text, createdAt, position).lastInsertRowid;
    this.statements.touchChat.run(createdAt, chat);
    return { ok: true, id: String(id) };
  }

  /** The next position of the event log, taken inside the write (whose savepoint gives it back if refused). */
  private nextLogPosition(): number {
    this.events.advanceHead.run();
    return this.events.lastPosition.get() as number;
  }

  /**
   * Creates at most once per idempotency key: a key seen before answers what it created the first
   * time (or a refusal, if the request differs); a new key is recorded with what it created.
   * The connection is the only writer, so no other request can slip in between.
   */
  private once<R extends { ok: true; id: Id } | { ok: false }>(
    idempotency: IdempotencyKey | undefined,
    now: number,
    create: () => R,
  ): R | KeyReused | { ok: true; id: Id } {
    if (idempotency === undefined) return create();
    const prior = this.statements.findKey.get(idempotency.key) as { fingerprint: string; id: string } | undefined;
    if (prior) return prior.fingerprint === idempotency.fingerprint ? { ok: true, id: prior.id } : KEY_REUSED;
    const result = create();
    if (result.ok) this.statements.recordKey.run(idempotency.key, idempotency.fingerprint, BigInt(result.id), now);
    return result;
  }
}

/** A write's outcome from what it returned or threw: refusals and taken names are results, not errors. */
export function outcomeOf(failed: boolean, outcome: unknown): WriteOutcome {
  if (!failed) return { value: outcome as WriteResult };
  if (outcome instanceof Refusal) return { value: outcome.result };
  if (isUniqueViolation(outcome, 'users.username')) return { value: { ok: false, reason: 'username_taken' } };
  if (isUniqueViolation(outcome, 'chats.name')) return { value: { ok: false, reason: 'name_taken' } };
  const error = asStorageError(outcome);
  const message = error instanceof Error ? error.message : String(error);
  return { failure: { unavailable: error instanceof ParleyError, message } };
}

/** The error a failure stands for, on the thread that answers the request. */
export function failureError(failure: WriteFailure): Error {
  return failure.unavailable ? new ParleyError('storage_unavailable', failure.message) : new Error(failure.message);
}
