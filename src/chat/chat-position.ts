import type { ChatPosition } from '../storage/storage.js';
import type { Chat } from './model.js';

/** Where a chat stands in its members' lists (see ChatPosition). */
export function chatPosition(chat: Chat): ChatPosition {
  return {
    active: chat.last_message_at !== null,
    at: Date.parse(chat.last_message_at ?? chat.created_at),
    id: chat.id,
  };
}
