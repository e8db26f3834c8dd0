import type { Chat, Id, Message, ReadState, User } from '../model/entities.js';
import type { EventScope, LogEvent } from '../model/log-events.js';
import type { ChatPage } from '../model/pages.js';
import type { StoredKey } from './key-rules.js';
import type { PostRefusal } from './post-rules.js';
import type { ReadRefusal } from './read-rules.js';

/**
 * A client's retry guard: the key it chose, and a fingerprint of what it asked (the method and its
 * inputs). A write that carries one records it in the same transaction as what it creates.
 */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

export type { StoredKey };

/** The key was first used for a different request. */
export type KeyReused = { ok: false; reason: 'key_reused' };

export type AddUserResult = { ok: true; id: Id } | { ok: false; reason: 'username_taken' } | KeyReused;

export type AddChatResult =
  | { ok: true; id: Id }
  | { ok: false; reason: 'name_taken' }
  | { ok: false; reason: 'unknown_user'; userId: Id }
  | KeyReused;

export type AddMessageResult = { ok: true; id: Id } | { ok: false; reason: PostRefusal } | KeyReused;

/**
 * A run of a chat's messages read one way: `forward` is oldest first, after the message `from` or from
 * the first one; `backward` is newest first, before `from` or from the newest. At most `limit` of them,
 * or all. The shape of a page of history is made from runs in one place (see history-pages.ts).
 */
export interface MessageRun {
  direction: 'forward' | 'backward';
  from?: Id;
  limit?: number;
}

/** A member's read state after asking to move the marker, and whether it moved; or why it could not. */
export type MarkReadResult = { ok: true; state: ReadState; moved: boolean } | { ok: false; reason: ReadRefusal };

/** A run's messages in its own direction, or the fact that stopped it. */
export type MessageRunResult =
  | { ok: true; messages: Message[] }
  | { ok: false; reason: 'unknown_chat' | 'unknown_message' | 'foreign_message' };

/**
 * Users by id or by username (any number of distinct ones; none finds none), or those whose username
 * starts with `prefix` (literally, case-sensitively), the first `limit` of them.
 */
export type UserQuery = { ids: readonly Id[] } | { usernames: readonly string[] } | { prefix: string; limit: number };

/**
 * What the chat's rules and live delivery need of a database; every backend in storage/ provides it and
 * passes the one contract suite. Backends run their SQL and report what they found; the rules that
 * turn those facts into answers are in this folder (post-rules.ts, key-rules.ts, history-pages.ts), and
 * a backend that must decide inside a transaction calls them there.
 *
 * Each write is atomic: a refused write changes nothing, and a resolved write is durable. Backends stamp
 * `created_at` themselves (judgePost), so that within a chat message times never go backwards and
 * `created_at, id` order is the order in which messages were committed: a reader walking forward from
 * a message never misses one committed later. When the database cannot be reached, a call rejects with
 * a `ParleyError('storage_unavailable')`.
 */
export interface Storage {
  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult>;
  /** `memberIds` are distinct, in the order the chat lists them. */
  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult>;
  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult>;
  /**
   * Moves the member's read marker forward to the message (the chat's newest when none is named), as
   * read-rules.ts judges it, and logs the move (an event of the log) when it moved.
   */
  markRead(chatId: Id, userId: Id, messageId: Id | undefined): Promise<MarkReadResult>;
  /** The user's chats in the API's order, each with the user's read state, or `undefined` when there is no such user. */
  chatsOfUser(userId: Id, page?: ChatPage): Promise<Chat[] | undefined>;
  /** A run of the chat's messages; a `from` must be a message of this chat. */
  messageRun(chatId: Id, run: MessageRun): Promise<MessageRunResult>;
  /**
   * The users found, each once: by ids or usernames in no particular order (the order asked is made in
   * one place, user-lookup.ts), by prefix in username order, code point by code point.
   */
  findUsers(query: UserQuery): Promise<User[]>;

  /**
   * Gives log positions to the chats and messages committed since the last call, and returns how many.
   * Processes sharing a database may call it at once: they take turns, so positions never interleave.
   */
  sequenceEvents(): Promise<number>;
  /** The last position given (0 in a database with no events yet). */
  lastLogPosition(): Promise<number>;
  /**
   * Up to `limit` events of the scope after `after`, in log order. A chat event shows the chat as it
   * was when its members joined it: without messages.
   */
  eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]>;
  /** The ids of the user's chats, or `undefined` when there is no such user. */
  chatIdsOfUser(userId: Id): Promise<Id[] | undefined>;
  chatExists(chatId: Id): Promise<boolean>;

  /** Deletes up to `limit` idempotency keys recorded before `cutoff` (ms since the epoch); returns how many. */
  forgetIdempotencyKeys(cutoff: number, limit: number): Promise<number>;
  /** Creates or upgrades the schema; safe to run again, and from several processes at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  figures(): StorageFigures;
  close(): Promise<void>;
}

/** How busy a backend is, read when metrics are scraped. Counters only grow. */
export interface StorageFigures {
  /**
   * Group commit (SQLite, and PostgreSQL's batched /messages/add): transactions committed, and the
   * writes they carried.
   */
  writeBatches?: { committed: number; writes: number };
  /** A connection pool (PostgreSQL, MySQL): its size, connections lent out, and calls waiting for one. */
  pool?: { size: number; inUse: number; waiting: number };
}

/** The time source of a backend; tests pass a fixed clock to make equal timestamps. */
export type Clock = () => number;
