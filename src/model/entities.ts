/**
 * The entities of the chat, shaped as the API shows them: ids as decimal strings (64-bit ids survive
 * JavaScript clients), times as ISO 8601 UTC with milliseconds.
 */
export type Id = string;

/** A chat as one of its members sees it: with that member's read state (see ReadState). */
export interface Chat {
  id: Id;
  name: string;
  users: Id[];
  created_at: string;
  last_message_at: string | null;
  /** The last message of the chat the member has read, or null before any. */
  last_read: Id | null;
  /** The chat's messages after `last_read`, exactly. */
  unread: number;
}

/** How far one member has read one chat: the marker, and the messages after it. */
export interface ReadState {
  chat: Id;
  user: Id;
  last_read: Id | null;
  unread: number;
}

export interface Message {
  id: Id;
  chat: Id;
  author: Id;
  text: string;
  created_at: string;
}

export interface User {
  id: Id;
  username: string;
  created_at: string;
}
