import type { Chat } from '../model/entities.js';
import type { ChatPosition } from '../model/pages.js';

/** Where a chat stands in its members' lists (see ChatPosition). */
export function chatPosition(chat: Chat): ChatPosition {
  return {
    active: chat.last_message_at !== null,
    at: Date.parse(chat.last_message_at ?? chat.created_at),
    id: chat.id,
  };
}
