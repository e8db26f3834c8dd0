import { Type } from 'typebox';
import { Created, IdempotencyHeaders, IdInput, TEXT_PATTERN } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const MessagesAdd = {
  operationId: 'addMessage',
  tags: ['messages'],
  summary: 'Send a message to a chat on behalf of one of its members',
  headers: IdempotencyHeaders,
  body: Type.Object(
    {
      chat: IdInput,
      author: IdInput,
      text: Type.String({
        minLength: 1,
        maxLength: 65536,
        pattern: TEXT_PATTERN,
        description: '1-65,536 characters, stored and returned exactly',
        examples: ['hi'],
      }),
    },
    { examples: [{ chat: '1', author: '1', text: 'hi' }] },
  ),
  response: {
    201: Created,
    ...problems({
      invalid_request: 'text is required',
      not_a_member: 'user 3 is not a member of chat 1',
      not_found: 'chat 9 does not exist',
      idempotency_key_reused:
        'Idempotency-Key "a1" was first used for a different request; use a new key for a new request',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
