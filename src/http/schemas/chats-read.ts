import { Type } from 'typebox';
import { ID_DESCRIPTION, IdInput, ReadState } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

export const ChatsRead = {
  operationId: 'markChatRead',
  tags: ['chats'],
  summary: "Move a member's read marker forward",
  description:
    "Moves the user's read marker in the chat forward to `message` (a message of that chat), or, without it " +
    "(or with null), to the chat's newest message. A marker never moves back: naming an older message changes " +
    "nothing, sends no event, and answers the current state. A move is sent as `event: read` to the chat's " +
    "streams (a read receipt) and to the user's own streams (with the unread count, so another device clears " +
    "its badge). Posting a message moves its author's marker to it. Refusals, in this order: a malformed body " +
    '400; an unknown chat, user or message 404; a user who is not a member 403; a message of another chat 400.',
  body: Type.Object(
    {
      chat: IdInput,
      user: IdInput,
      message: Type.Optional(
        Type.Union([Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 }), Type.Null()], {
          description: `The message read up to: ${ID_DESCRIPTION}; null or left out for the chat's newest`,
          examples: ['7'],
        }),
      ),
    },
    {
      examples: [
        { chat: '1', user: '2', message: '7' },
        { chat: '1', user: '2' },
      ],
    },
  ),
  response: {
    200: { ...ReadState, description: "The user's read state in the chat, after the move" },
    ...problems({
      invalid_request: 'message 9 is not in chat 1',
      not_a_member: 'user 3 is not a member of chat 1',
      not_found: 'message 9 does not exist',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
