import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { registerCors } from '../../src/http/cors.js';

const APP_ORIGIN = 'https://app.example.com';

/** A throwaway server shaped like Parley: a POST method, a stream, a 405 on other methods, a token check. */
async function server(t: import('node:test').TestContext, origins: readonly string[]) {
  const app = Fastify();
  t.after(() => app.close());
  await registerCors(app, origins);
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization === undefined) return reply.code(401).header('www-authenticate', 'Bearer').send();
  });
  app.post('/messages/add', async (_request, reply) => reply.code(201).header('retry-after', '1').send({ id: '1' }));
  app.get('/events', async () => 'stream');
  app.route({
    method: ['GET', 'OPTIONS'],
    url: '/messages/add',
    handler: async (_request, reply) => reply.code(405).send(),
  });
  return app;
}

const preflight = (origin: string, headers = 'authorization,content-type,idempotency-key') => ({
  method: 'OPTIONS' as const,
  url: '/messages/add',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
});

test('a preflight from a listed origin is answered before any token check, with the headers the API takes', async (t) => {
  const app = await server(t, [APP_ORIGIN, 'http://localhost:5173']);
  const answer = await app.inject(preflight(APP_ORIGIN));
  assert.equal(answer.statusCode, 204);
  assert.equal(answer.headers['access-control-allow-origin'], APP_ORIGIN);
  assert.equal(answer.headers['access-control-allow-methods'], 'GET, POST');
  assert.equal(
    answer.headers['access-control-allow-headers'],
    'Authorization, Content-Type, Idempotency-Key, Last-Event-ID',
  );
  assert.equal(answer.headers['access-control-max-age'], '600');
  assert.equal(answer.headers['access-control-allow-credentials'], undefined);
  assert.match(String(answer.headers.vary), /Origin/);
});

test('an answer to a listed origin exposes paging, retry, rate-limit and challenge headers', async (t) => {
  const app = await server(t, [APP_ORIGIN]);
  const answer = await app.inject({
    method: 'POST',
    url: '/messages/add',
    headers: { origin: APP_ORIGIN, authorization: 'Bearer x' },
    payload: {},
  });
  assert.equal(answer.statusCode, 201);
  assert.equal(answer.headers['access-control-allow-origin'], APP_ORIGIN);
  assert.equal(
    answer.headers['access-control-expose-headers'],
    'Next-Cursor, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate',
  );
  const refused = await app.inject({ method: 'GET', url: '/events', headers: { origin: APP_ORIGIN } });
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.headers['access-control-allow-origin'], APP_ORIGIN, 'a page can read why it was refused');
});

test('another origin gets no Access-Control-Allow-Origin, so its browser keeps the answer from it', async (t) => {
  const app = await server(t, [APP_ORIGIN]);
  for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.example', 'http://app.example.com']) {
    const answer = await app.inject(preflight(origin));
    assert.equal(answer.headers['access-control-allow-origin'], undefined, origin);
  }
});

test('without CORS_ORIGINS nothing is added: no preflight answer, no CORS header', async (t) => {
  const app = await server(t, []);
  const answer = await app.inject({
    ...preflight(APP_ORIGIN),
    headers: { ...preflight(APP_ORIGIN).headers, authorization: 'Bearer x' },
  });
  assert.equal(answer.statusCode, 405);
  assert.equal(answer.headers['access-control-allow-origin'], undefined);
});
