import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import docsPage from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { CHAT_PATHS } from './routes/chat-routes.js';
import { Healthz, Readyz } from './schemas/operations.js';

/** The same relative path from src/http/ and from dist/http/. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const DESCRIPTION =
  'Parley is a chat server: users, chats with many members, and messages, behind JSON methods. ' +
  'Every method is a POST whose body is a JSON object holding all its parameters. Ids are accepted as a ' +
  'string of digits or a JSON integer and are always answered as strings, so 64-bit ids survive JavaScript ' +
  'clients. Times are ISO 8601 in UTC with milliseconds. Every refusal is an RFC 9457 application/problem+json ' +
  'answer whose detail says what to change.';

const TAGS = [
  { name: 'users', description: 'People who chat' },
  { name: 'chats', description: 'Conversations between two or more users' },
  { name: 'messages', description: 'What members of a chat say in it' },
  { name: 'live', description: 'Messages as they are posted, over server-sent events' },
  { name: 'operations', description: 'Probes and figures for whoever runs the server' },
];

/** health-routes.ts declares the probes without a schema; their documentation is added here. */
const PROBES: Record<string, object> = { '/healthz': Healthz, '/readyz': Readyz };

const chatPaths: ReadonlySet<string> = new Set(CHAT_PATHS);

/** The 405 answers to other methods on the API's paths are not something a client calls. */
const isMethodGuard = (route: RouteOptions) =>
  (chatPaths.has(route.url) && route.method !== 'POST') || (route.url === '/events' && route.method !== 'GET');

/**
 * Serves GET /openapi.json, built from the route schemas, and GET /docs, a page of it that loads nothing
 * from outside this server. Routes declared before this plugin has loaded are missing from the document.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'Parley', version, description: DESCRIPTION }, tags: TAGS },
    transform: ({ schema, url, route }) => ({
      schema: isMethodGuard(route) ? { hide: true } : (PROBES[url] ?? schema),
      url,
    }),
  });
  app.register(docsPage, {
    routePrefix: '/docs',
    // Served from the installed package: no CDN, no validator badge calling out, so it works offline.
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null, tryItOutEnabled: false },
    staticCSP: true,
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
