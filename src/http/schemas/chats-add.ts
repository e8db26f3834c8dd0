import { Type } from 'typebox';
import { Created, IdInput, TEXT_PATTERN } from './common.js';

export const ChatsAdd = {
  summary: 'Create a chat between users',
  body: Type.Object({
    name: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: TEXT_PATTERN,
      description: '1-128 characters, unique',
      examples: ['chat_1'],
    }),
    users: Type.Array(IdInput, {
      minItems: 2,
      description: 'At least 2 distinct existing users; a repeated id counts once',
      examples: [['1', '2']],
    }),
  }),
  response: { 201: Created },
};
