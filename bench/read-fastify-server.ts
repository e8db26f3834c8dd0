import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { ChatsGet } from '../src/http/schemas/chats-get.js';
import { MessagesGet } from '../src/http/schemas/messages-get.js';

/**
 * Diagnostics between the reads' ceiling and Parley: what Fastify alone does on this machine to answer
 * the reads, from memory, with no storage, hooks or logging. With the argument `entities`, the routes
 * have Parley's schemas (body checked, answer serialized by the response schema) and return the captured
 * answers parsed back into entities, which serialize to the same bytes; with `bytes`, they send the
 * captured bytes as they are, with their Content-Type: the least a read can cost inside Fastify. The
 * file named by the first argument holds the captured answers (see bench/suites/read-answers.ts).
 */
interface CapturedAnswer {
  body: string;
  contentType: string;
  answer: string;
}

const [file, mode] = process.argv.slice(2) as [string, 'entities' | 'bytes'];
const answers = new Map(
  (JSON.parse(readFileSync(file, 'utf8')) as CapturedAnswer[]).map(({ body, contentType, answer }) => {
    const bytes = Buffer.from(answer, 'base64');
    // Keyed by the parsed body written again: Fastify hands the route the body parsed.
    return [JSON.stringify(JSON.parse(body)), { contentType, bytes, entities: JSON.parse(bytes.toString('utf8')) }];
  }),
);

const app = Fastify({ logger: false });
for (const [path, schema] of [
  ['/messages/get', MessagesGet],
  ['/chats/get', ChatsGet],
] as const) {
  app.post(path, { schema }, async (request, reply) => {
    const found = answers.get(JSON.stringify(request.body));
    if (found === undefined) return reply.callNotFound();
    if (mode === 'entities') return found.entities;
    return reply.type(found.contentType).send(found.bytes);
  });
}

await app.listen({ port: Number(process.env.PORT ?? 9004), host: process.env.HOST ?? '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
