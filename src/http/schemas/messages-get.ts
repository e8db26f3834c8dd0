import { Type } from 'typebox';
import { IdInput, idInput, Limit, Message } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const MessagesGet = {
  operationId: 'getMessages',
  tags: ['messages'],
  summary: "List a chat's messages, oldest first",
  description:
    'Ordered by created_at, then id, ascending. Without paging fields, every message. With `limit` alone, the ' +
    'newest `limit`; with `before`, the newest `limit` older than that message; with `after`, the oldest `limit` ' +
    'newer than it (walk forward with the last id of each page: nothing is repeated or skipped, even while others ' +
    'post). Each page is still oldest first. Pages cost the same however deep in the history they are.',
  body: Type.Object(
    {
      chat: IdInput,
      limit: Type.Optional(Limit),
      before: Type.Optional(idInput('A message id of this chat (exclusive)')),
      after: Type.Optional(idInput('A message id of this chat (exclusive)')),
    },
    { examples: [{ chat: '1' }, { chat: '1', limit: 50 }, { chat: '1', limit: 50, before: '1200' }] },
  ),
  response: {
    200: Type.Array(Message, {
      description: "The chat's messages, with all their fields; an empty array when there are none",
      examples: [[{ id: '1', chat: '1', author: '1', text: 'hi', created_at: '2026-11-24T19:06:12.004Z' }]],
    }),
    ...problems({
      invalid_request: 'before: message 1200 is not in chat 1',
      not_found: 'chat 9 does not exist',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
