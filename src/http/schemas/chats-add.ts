import { Type } from 'typebox';
import { Created, IdempotencyHeaders, IdInput, TEXT_PATTERN } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const ChatsAdd = {
  operationId: 'addChat',
  tags: ['chats'],
  summary: 'Create a chat between users',
  headers: IdempotencyHeaders,
  body: Type.Object(
    {
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
    },
    { examples: [{ name: 'chat_1', users: ['1', '2'] }] },
  ),
  response: {
    201: Created,
    ...problems({
      invalid_request: 'users must name at least 2 distinct users, got 1',
      not_found: 'user 7 does not exist',
      conflict: 'chat name "chat_1" is taken',
      idempotency_key_reused:
        'Idempotency-Key "a1" was first used for a different request; use a new key for a new request',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
