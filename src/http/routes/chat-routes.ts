import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { ChatService } from '../../chat/chat-service.js';
import { jsonArrayStream } from '../json-array-stream.js';
import { ChatsAdd } from '../schemas/chats-add.js';
import { ChatsGet } from '../schemas/chats-get.js';
import type { IdempotencyHeaders } from '../schemas/common.js';
import { MessagesAdd } from '../schemas/messages-add.js';
import { MessagesGet } from '../schemas/messages-get.js';
import { UsersAdd } from '../schemas/users-add.js';

type KeyHeaders = Static<typeof IdempotencyHeaders>;

export const CHAT_PATHS = ['/users/add', '/chats/add', '/messages/add', '/chats/get', '/messages/get'] as const;

/** The five methods of the specification. Each route checks the shape of its body and asks the chat's rules. */
export function registerChatRoutes(app: FastifyInstance, chats: ChatService): void {
  app.post<{ Body: Static<typeof UsersAdd.body>; Headers: KeyHeaders }>(
    '/users/add',
    { schema: UsersAdd },
    async (request, reply) => {
      reply.code(201);
      return { id: await chats.addUser(request.body.username, request.headers['idempotency-key']) };
    },
  );

  app.post<{ Body: Static<typeof ChatsAdd.body>; Headers: KeyHeaders }>(
    '/chats/add',
    { schema: ChatsAdd },
    async (request, reply) => {
      const { name, users } = request.body;
      reply.code(201);
      return { id: await chats.addChat(name, users, request.headers['idempotency-key']) };
    },
  );

  app.post<{ Body: Static<typeof MessagesAdd.body>; Headers: KeyHeaders }>(
    '/messages/add',
    { schema: MessagesAdd },
    async (request, reply) => {
      const { chat, author, text } = request.body;
      reply.code(201);
      return { id: await chats.addMessage(chat, author, text, request.headers['idempotency-key']) };
    },
  );

  app.post<{ Body: Static<typeof ChatsGet.body> }>('/chats/get', { schema: ChatsGet }, async (request, reply) => {
    const { user, ...page } = request.body;
    const { chats: list, nextCursor } = await chats.chatsOfUser(user, page);
    if (nextCursor !== undefined) reply.header('next-cursor', nextCursor);
    return list;
  });

  app.post<{ Body: Static<typeof MessagesGet.body> }>(
    '/messages/get',
    { schema: MessagesGet },
    async (request, reply) => {
      const { chat, ...page } = request.body;
      const messages = await chats.messagesOfChat(chat, page);
      if (Array.isArray(messages)) return messages;
      return reply.type('application/json; charset=utf-8').send(jsonArrayStream(messages));
    },
  );
}
