import type { Chat, Id, Message, ReadState } from './entities.js';

/**
 * The event log: every chat, message and moved read marker gets a position once committed, and positions grow in commit
 * order within each chat (a chat's own position comes before its messages'). A reader holding a
 * position therefore misses nothing by asking for what comes after it, even across processes.
 * Positions are numbers: 2^53 events is far beyond any chat's life.
 */
export type LogEvent =
  | { position: number; kind: 'chat'; chat: Chat }
  | { position: number; kind: 'message'; message: Message }
  | { position: number; kind: 'read'; read: ReadState };

/** Whose events: one chat's messages, or a user's new chats and the messages of all their chats, or all. */
export type EventScope = { chat: Id } | { user: Id } | 'all';
