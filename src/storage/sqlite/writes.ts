import type { Database } from 'better-sqlite3';
import { judgePost } from '../../chat/post-rules.js';
import { judgeRead, type MarkerTarget, unreadAfter } from '../../chat/read-rules.js';
import type {
  AddChatResult,
  AddMessageResult,
  AddUserResult,
  IdempotencyKey,
  MarkReadResult,
} from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { ParleyError, unavailable } from '../../model/errors.js';
import { Refusal } from '../refusal.js';
import { asStorageError, isUniqueViolation } from './errors.js';
import { prepareEventStatements, type SqliteEventStatements } from './event-log.js';
import { createOnce } from './idempotency.js';
import { prepareStatements, type SqliteStatements } from './statements.js';

/**
 * A write as plain data, so that it can be handed to the writer's thread. `now` is the time the request
 * arrived (ms since the epoch): the caller's clock, whatever thread the write runs on.
 */
export type WriteCommand =
  | { kind: 'addUser'; username: string; idempotency?: IdempotencyKey; now: number }
  | { kind: 'addChat'; name: string; memberIds: readonly Id[]; idempotency?: IdempotencyKey; now: number }
  | { kind: 'addMessage'; chatId: Id; authorId: Id; text: string; idempotency?: IdempotencyKey; now: number }
  | { kind: 'markRead'; chatId: Id; userId: Id; messageId: Id | undefined }
  | { kind: 'forgetKeys'; cutoff: number; limit: number };

export type WriteResult = AddUserResult | AddChatResult | AddMessageResult | MarkReadResult | number;

/**
 * What became of a write, as plain data: its result (refusals included), or why it failed, which is not
 * the request's fault: the database is unavailable (a 503), or something is wrong with Parley (a 500).
 */
export type WriteOutcome = { value: WriteResult } | { failure: WriteFailure };
export interface WriteFailure {
  unavailable: boolean;
  message: string;
}

/**
 * Each write's SQL, on the connection that writes. Each write runs inside the group commit's savepoint
 * (see WriteBatch): a refusal throws, so that whatever it wrote is rolled back.
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
        return createOnce(this.statements, command.idempotency, command.now, () => {
          const info = this.statements.insertUser.run(command.username, command.now);
          return { ok: true, id: String(info.lastInsertRowid) } as const;
        });
      case 'addChat':
        return createOnce(this.statements, command.idempotency, command.now, () =>
          this.addChat(command.name, command.memberIds, command.now),
        );
      case 'addMessage':
        return createOnce(this.statements, command.idempotency, command.now, () =>
          this.addMessage(BigInt(command.chatId), BigInt(command.authorId), command.text, command.now),
        );
      case 'markRead':
        return this.markRead(command.chatId, command.userId, command.messageId);
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
      | { last_message_at: number | null; last_seq: number; member: number }
      | undefined;
    const member = target?.member === 1;
    const verdict = judgePost(
      {
        chatExists: target !== undefined,
        member,
        authorExists: member || Boolean(this.statements.userExists.get(author)),
        lastMessageAt: target?.last_message_at ?? null,
      },
      now,
    );
    if (!verdict.accepted) throw new Refusal({ ok: false, reason: verdict.refusal });
    const position = this.nextLogPosition();
    // Its place in the chat, taken under the write lock like its time (see migration 5).
    const seq = (target?.last_seq ?? 0) + 1;
    const id = this.statements.insertMessage.run(chat, author, text, verdict.createdAt, position, seq).lastInsertRowid;
    this.statements.touchChat.run(verdict.createdAt, seq, chat);
    // What one wrote counts as read.
    this.statements.moveMarker.run({ chat, user: author, seq, id });
    return { ok: true, id: String(id) };
  }

  private markRead(chatId: Id, userId: Id, messageId: Id | undefined): MarkReadResult {
    const [chat, user] = [BigInt(chatId), BigInt(userId)];
    const count = this.statements.chatCount.get(chat) as number | undefined;
    const marker = this.statements.marker.get(chat, user) as { seq: number } | undefined;
    const target = (
      messageId === undefined
        ? this.statements.newestTarget.get(chat)
        : this.statements.markerTarget.get(BigInt(messageId))
    ) as MarkerTarget | undefined;
    const verdict = judgeRead(chatId, {
      chatExists: count !== undefined,
      userExists: marker !== undefined || Boolean(this.statements.userExists.get(user)),
      marker,
      target,
      named: messageId !== undefined,
    });
    if ('refused' in verdict) return { ok: false, reason: verdict.refused };
    if (verdict.moved) {
      const { seq, id } = verdict.to;
      this.statements.moveMarker.run({ chat, user, seq, id: BigInt(id) });
      const unread = unreadAfter(count ?? 0, seq);
      this.statements.insertReadEvent.run(chat, user, BigInt(id), unread, this.nextLogPosition());
      return { ok: true, moved: true, state: { chat: chatId, user: userId, last_read: id, unread } };
    }
    const now = this.statements.markerOf.get(chat, user) as { last_read: string | null; seq: number };
    return {
      ok: true,
      moved: false,
      state: { chat: chatId, user: userId, last_read: now.last_read, unread: unreadAfter(count ?? 0, now.seq) },
    };
  }

  /** The next position of the event log, taken inside the write (whose savepoint gives it back if refused). */
  private nextLogPosition(): number {
    this.events.advanceHead.run();
    return this.events.lastPosition.get() as number;
  }
}

/** A write's outcome from what it returned or threw: refusals and taken names are results, not errors. */
export function outcomeOf(failed: boolean, outcome: unknown): WriteOutcome {
  if (!failed) return { value: outcome as WriteResult };
  if (outcome instanceof Refusal) return { value: outcome.result as WriteResult };
  if (isUniqueViolation(outcome, 'users.username')) return { value: { ok: false, reason: 'username_taken' } };
  if (isUniqueViolation(outcome, 'chats.name')) return { value: { ok: false, reason: 'name_taken' } };
  const error = asStorageError(outcome);
  const message = error instanceof Error ? error.message : String(error);
  return { failure: { unavailable: error instanceof ParleyError, message } };
}

/** The error a failure stands for, on the thread that answers the request. */
export function failureError(failure: WriteFailure): Error {
  return failure.unavailable ? unavailable(failure.message) : new Error(failure.message);
}
