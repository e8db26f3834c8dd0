import type { Chat, Id, Message } from '../chat/model.js';

export type AddUserResult = { ok: true; id: Id } | { ok: false; reason: 'username_taken' };

export type AddChatResult =
  | { ok: true; id: Id }
  | { ok: false; reason: 'name_taken' }
  | { ok: false; reason: 'unknown_user'; userId: Id };

export type AddMessageResult =
  | { ok: true; id: Id }
  | { ok: false; reason: 'unknown_chat' | 'unknown_author' | 'not_a_member' };

/**
 * What every storage backend provides. Each write is atomic: a refused write changes nothing, and a
 * resolved write is durable. Backends stamp `created_at` themselves, so that within a chat message
 * times never go backwards and `created_at, id` order is the order of insertion.
 * Backends know nothing of HTTP; when the database cannot be reached they throw a
 * `ParleyError('storage_unavailable')`.
 */
export interface Storage {
  addUser(username: string): Promise<AddUserResult>;
  /** `memberIds` are distinct, in the order the chat lists them. */
  addChat(name: string, memberIds: readonly Id[]): Promise<AddChatResult>;
  addMessage(chatId: Id, authorId: Id, text: string): Promise<AddMessageResult>;
  /** The user's chats in the API's order, or `undefined` when there is no such user. */
  chatsOfUser(userId: Id): Promise<Chat[] | undefined>;
  /** The chat's messages oldest first, or `undefined` when there is no such chat. */
  messagesOfChat(chatId: Id): Promise<Message[] | undefined>;
  /** Creates or upgrades the schema; safe to run again, and from several processes at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The time source of a backend; tests pass a fixed clock to make equal timestamps. */
export type Clock = () => number;
