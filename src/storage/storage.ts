import type { Chat, Id, Message } from '../chat/model.js';

/**
 * A client's retry guard: the key it chose, and a fingerprint of what it asked (the method and its
 * inputs). A write that carries one records it in the same transaction as what it creates.
 */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** The key was first used for a different request. */
export type KeyReused = { ok: false; reason: 'key_reused' };

export type AddUserResult = { ok: true; id: Id } | { ok: false; reason: 'username_taken' } | KeyReused;

export type AddChatResult =
  | { ok: true; id: Id }
  | { ok: false; reason: 'name_taken' }
  | { ok: false; reason: 'unknown_user'; userId: Id }
  | KeyReused;

export type AddMessageResult =
  | { ok: true; id: Id }
  | { ok: false; reason: 'unknown_chat' | 'unknown_author' | 'not_a_member' }
  | KeyReused;

/**
 * Where a chat stands in its members' lists, which are ordered by this position, descending:
 * chats with messages before chats without, then by `at` (the last message's time, or the chat's
 * creation time while it has none), then by id.
 */
export interface ChatPosition {
  active: boolean;
  at: number;
  id: Id;
}

/** A slice of a user's chats: at most `limit`, starting after `after`. */
export interface ChatPage {
  limit?: number;
  after?: ChatPosition;
}

/**
 * A slice of a chat's history, always returned oldest first: with `after`, the oldest `limit` messages
 * newer than that message; with `before`, the newest `limit` older than it; with `limit` alone, the
 * newest `limit` (the oldest `limit` with `fromStart`). Without `limit`, every message on that side.
 */
export interface MessagePage {
  limit?: number;
  before?: Id;
  after?: Id;
  fromStart?: boolean;
}

/**
 * The event log: every chat and message gets a position once committed, and positions grow in commit
 * order within each chat (a chat's own position comes before its messages'). A reader holding a
 * position therefore misses nothing by asking for what comes after it, even across processes.
 * Positions are numbers: 2^53 events is far beyond any chat's life.
 */
export type LogEvent =
  | { position: number; kind: 'chat'; chat: Chat }
  | { position: number; kind: 'message'; message: Message };

/** Whose events: one chat's messages, or a user's new chats and the messages of all their chats, or all. */
export type EventScope = { chat: Id } | { user: Id } | 'all';

export type MessagesResult =
  | { ok: true; messages: Message[] }
  | { ok: false; reason: 'unknown_chat' | 'unknown_message' | 'foreign_message' };

/**
 * What every storage backend provides. Each write is atomic: a refused write changes nothing, and a
 * resolved write is durable. Backends stamp `created_at` themselves, so that within a chat message
 * times never go backwards and `created_at, id` order is the order in which messages were committed:
 * a reader walking forward from a message never misses one committed later.
 * Backends know nothing of HTTP; when the database cannot be reached they throw a
 * `ParleyError('storage_unavailable')`.
 */
export interface Storage {
  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult>;
  /** `memberIds` are distinct, in the order the chat lists them. */
  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult>;
  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult>;
  /** The user's chats in the API's order, or `undefined` when there is no such user. */
  chatsOfUser(userId: Id, page?: ChatPage): Promise<Chat[] | undefined>;
  /** The chat's messages oldest first; a `before` or `after` must be a message of this chat. */
  messagesOfChat(chatId: Id, page?: MessagePage): Promise<MessagesResult>;
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
