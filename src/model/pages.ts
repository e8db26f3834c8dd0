import type { Id } from './entities.js';

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
