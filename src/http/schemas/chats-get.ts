import { Type } from 'typebox';
import { Chat, IdInput, Limit } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const ChatsGet = {
  operationId: 'getChats',
  tags: ['chats'],
  summary: "List a user's chats, most recently active first",
  description:
    'Chats with messages come first, by latest message time descending; then chats without messages, ' +
    'by creation time descending; ties are broken by id descending. With `limit`, when more chats follow, the ' +
    'answer carries a Next-Cursor header; send its value back as `cursor` to continue exactly where the page ' +
    'stopped (`cursor` without `limit` gives the rest of the list).',
  body: Type.Object(
    {
      user: IdInput,
      limit: Type.Optional(Limit),
      cursor: Type.Optional(
        Type.String({ minLength: 1, maxLength: 512, description: 'A Next-Cursor value, passed back as it came' }),
      ),
    },
    { examples: [{ user: '1' }, { user: '1', limit: 20 }] },
  ),
  response: {
    200: Type.Array(Chat, {
      description: "The user's chats, with all their fields; an empty array when there are none",
      headers: {
        'next-cursor': {
          type: 'string',
          description: 'Present when a limited page is followed by more chats: the `cursor` of the next page',
        },
      },
      examples: [
        [
          {
            id: '1',
            name: 'chat_1',
            users: ['1', '2'],
            created_at: '2026-11-24T19:05:09.375Z',
            last_message_at: '2026-11-24T19:06:12.004Z',
          },
        ],
      ],
    }),
    ...problems({
      invalid_request: "cursor belongs to another user's chat list, not user 7's",
      not_found: 'user 7 does not exist',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
