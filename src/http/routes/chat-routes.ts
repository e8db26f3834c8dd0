import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChatService } from '../../chat/chat-service.js';
import { jsonArrayStream } from '../json-array-stream.js';
import { ChatsAdd } from '../schemas/chats-add.js';
import { ChatsGet } from '../schemas/chats-get.js';
import { ChatsRead } from '../schemas/chats-read.js';
import { MessagesAdd } from '../schemas/messages-add.js';
import { MessagesGet } from '../schemas/messages-get.js';
import { UsersAdd } from '../schemas/users-add.js';
import { UsersGet } from '../schemas/users-get.js';

export const CHAT_PATHS = [
  '/users/add',
  '/users/get',
  '/chats/add',
  '/messages/add',
  '/chats/get',
  '/messages/get',
  '/chats/read',
] as const;

/**
 * The methods of the chat: the specification's five, finding users and read markers. Each route checks the shape of its body and asks the chat's rules;
 * the types of its body and headers are those of its schema.
 */
export function registerChatRoutes(server: FastifyInstance, chats: ChatService): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/users/add', { schema: UsersAdd }, async (request, reply) => {
    reply.code(201);
    return { id: await chats.addUser(request.body.username, request.headers['idempotency-key']) };
  });

  app.post('/users/get', { schema: UsersGet }, async (request) => chats.findUsers(request.body));

  app.post('/chats/add', { schema: ChatsAdd }, async (request, reply) => {
    const { name, users } = request.body;
    reply.code(201);
    return { id: await chats.addChat(name, users, request.headers['idempotency-key']) };
  });

  app.post('/messages/add', { schema: MessagesAdd }, async (request, reply) => {
    const { chat, author, text } = request.body;
    reply.code(201);
    return { id: await chats.addMessage(chat, author, text, request.headers['idempotency-key']) };
  });

  app.post('/chats/get', { schema: ChatsGet }, async (request, reply) => {
    const { user, ...page } = request.body;
    const { chats: list, nextCursor } = await chats.chatsOfUser(user, page);
    if (nextCursor !== undefined) reply.header('next-cursor', nextCursor);
    return list;
  });

  app.post('/chats/read', { schema: ChatsRead }, async (request) => {
    const { chat, user, message } = request.body;
    return chats.markRead(chat, user, message);
  });

  app.post('/messages/get', { schema: MessagesGet }, async (request, reply) => {
    const { chat, ...page } = request.body;
    const messages = await chats.messagesOfChat(chat, page);
    if (Array.isArray(messages)) return messages;
    // The same JSON array the schema describes, written as it is read: a type the schema cannot name.
    return (reply as FastifyReply).type('application/json; charset=utf-8').send(jsonArrayStream(messages));
  });
}
