import { Type } from 'typebox';
import { Created, IdInput, TEXT_PATTERN } from './common.js';

export const MessagesAdd = {
  summary: 'Send a message to a chat on behalf of one of its members',
  body: Type.Object({
    chat: IdInput,
    author: IdInput,
    text: Type.String({
      minLength: 1,
      maxLength: 65536,
      pattern: TEXT_PATTERN,
      description: '1-65,536 characters, stored and returned exactly',
      examples: ['hi'],
    }),
  }),
  response: { 201: Created },
};
