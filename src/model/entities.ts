/**
 * The entities of the chat, shaped as the API shows them: ids as decimal strings (64-bit ids survive
 * JavaScript clients), times as ISO 8601 UTC with milliseconds.
 */
export type Id = string;

export interface Chat {
  id: Id;
  name: string;
  users: Id[];
  created_at: string;
  last_message_at: string | null;
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
