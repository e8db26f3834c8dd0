import { Type } from 'typebox';
import { problems } from './problems.js';

const IdQuery = (description: string) => Type.String({ pattern: '^[0-9]+$', maxLength: 64, description });

export const Events = {
  operationId: 'events',
  tags: ['live'],
  summary: "Follow a chat's messages, or a user's chats and their messages, as they are posted",
  description:
    'Server-sent events (text/event-stream); name exactly one of `chat` or `user`. `event: message` carries a ' +
    'message as /messages/get shows it; `event: chat` (user streams) a chat the user has joined, as /chats/get ' +
    'shows it at that moment (nothing read yet: `last_read` null, `unread` 0); `event: read` a moved read ' +
    "marker: on a chat's streams `{chat, user, last_read}` for any member (a read receipt), on a user's streams " +
    "`{chat, user, last_read, unread}` for that user's own marker (another device clears its badge). " +
    'Every event has an `id:`. Reconnect with `Last-Event-ID` (browsers do it by ' +
    'themselves), to this server or any other sharing its database: every event missed is sent, each once and in ' +
    'order within each chat, then the stream goes on live. `event: reset` says the id is too old (over 10,000 ' +
    'events behind) or unknown: re-read with /messages/get or /chats/get, then keep the stream, which goes on ' +
    "from the reset's id. A comment line every 15 s keeps proxies from closing an idle stream. A client that " +
    'stops reading is disconnected, and resumes with its last id. Without `Last-Event-ID` the stream starts ' +
    'now: to show history then live messages, open the stream first, then read the history, and skip ids seen twice.',
  querystring: Type.Object(
    {
      chat: Type.Optional(IdQuery("A chat's id: its messages")),
      user: Type.Optional(IdQuery("A user's id: the chats they join and the messages of all their chats")),
    },
    { additionalProperties: false },
  ),
  headers: Type.Object({
    'last-event-id': Type.Optional(Type.String({ description: 'The id of the last event received, to resume' })),
  }),
  response: {
    200: {
      description: 'A stream of events, one per message or joined chat, until the client leaves',
      content: {
        'text/event-stream': {
          schema: Type.String({
            examples: [
              `id: 7\nevent: message\ndata: ${JSON.stringify({ id: '3', chat: '1', author: '2', text: 'hi', created_at: '2026-11-24T19:06:12.004Z' })}\n\n`,
            ],
          }),
        },
      },
    },
    ...problems({
      invalid_request: 'name exactly one of chat or user, as in /events?chat=1',
      not_found: 'chat 9 does not exist',
      storage_unavailable: 'the database is not reachable yet; retry shortly',
    }),
  },
};
