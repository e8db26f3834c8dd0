import { Type } from 'typebox';
import { IdInput, Message } from './common.js';

export const MessagesGet = {
  summary: "List a chat's messages, oldest first",
  description: 'Ordered by created_at, then id, ascending.',
  body: Type.Object({ chat: IdInput }),
  response: { 200: Type.Array(Message) },
};
