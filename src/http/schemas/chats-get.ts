import { Type } from 'typebox';
import { Chat, IdInput } from './common.js';

export const ChatsGet = {
  summary: "List a user's chats, most recently active first",
  description:
    'Chats with messages come first, by latest message time descending; then chats without messages, ' +
    'by creation time descending; ties are broken by id descending.',
  body: Type.Object({ user: IdInput }),
  response: { 200: Type.Array(Chat) },
};
