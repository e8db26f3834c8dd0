import { Type } from 'typebox';
import { Created, IdempotencyHeaders, TEXT_PATTERN } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const UsersAdd = {
  operationId: 'addUser',
  tags: ['users'],
  summary: 'Add a user',
  headers: IdempotencyHeaders,
  body: Type.Object(
    {
      username: Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: TEXT_PATTERN,
        description: '1-64 characters, unique (case-sensitive), stored exactly as given',
        examples: ['user_1'],
      }),
    },
    { examples: [{ username: 'user_1' }] },
  ),
  response: {
    201: Created,
    ...problems({
      invalid_request: 'username must be at most 64 characters long, got 70',
      conflict: 'username "user_1" is taken',
      idempotency_key_reused:
        'Idempotency-Key "a1" was first used for a different request; use a new key for a new request',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
