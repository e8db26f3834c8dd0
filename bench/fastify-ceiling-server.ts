import Fastify from 'fastify';
import { MessagesAdd } from '../src/http/schemas/messages-add.js';

/**
 * A diagnostic between the ceiling and Parley: what Fastify alone does on this machine for /messages/add.
 * One route, Fastify's own JSON parser, no logging, no hooks, no storage: it answers 201 `{"id":"1"}`.
 * With the argument `schema`, the route has Parley's schema of the method: its body checked, its answer
 * serialized.
 */
const withSchema = process.argv[2] === 'schema';
const app = Fastify({ logger: false });
app.post('/messages/add', withSchema ? { schema: MessagesAdd } : {}, async (_request, reply) => {
  reply.code(201);
  return { id: '1' };
});

await app.listen({ port: Number(process.env.PORT ?? 9002), host: process.env.HOST ?? '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
