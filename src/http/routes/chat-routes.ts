import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { ChatService } from '../../chat/chat-service.js';
import { ChatsAdd } from '../schemas/chats-add.js';
import { ChatsGet } from '../schemas/chats-get.js';
import { MessagesAdd } from '../schemas/messages-add.js';
import { MessagesGet } from '../schemas/messages-get.js';
import { UsersAdd } from '../schemas/users-add.js';

export const CHAT_PATHS = ['/users/add', '/chats/add', '/messages/add', '/chats/get', '/messages/get'] as const;

/** The five methods of the specification. Each route checks the shape of its body and asks the chat's rules. */
export function registerChatRoutes(app: FastifyInstance, chats: ChatService): void {
  app.post<{ Body: Static<typeof UsersAdd.body> }>('/users/add', { schema: UsersAdd }, async (request, reply) => {
    reply.code(201);
    return { id: await chats.addUser(request.body.username) };
  });

  app.post<{ Body: Static<typeof ChatsAdd.body> }>('/chats/add', { schema: ChatsAdd }, async (request, reply) => {
    reply.code(201);
    return { id: await chats.addChat(request.body.name, request.body.users) };
  });

  app.post<{ Body: Static<typeof MessagesAdd.body> }>(
    '/messages/add',
    { schema: MessagesAdd },
    async (request, reply) => {
      const { chat, author, text } = request.body;
      reply.code(201);
      return { id: await chats.addMessage(chat, author, text) };
    },
  );

  app.post<{ Body: Static<typeof ChatsGet.body> }>('/chats/get', { schema: ChatsGet }, (request) =>
    chats.chatsOfUser(request.body.user),
  );

  app.post<{ Body: Static<typeof MessagesGet.body> }>('/messages/get', { schema: MessagesGet }, (request) =>
    chats.messagesOfChat(request.body.chat),
  );
}
