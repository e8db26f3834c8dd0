import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { openCounterRedis } from '../../src/auth/redis-connection.js';
import { limitWrites, type WriteLimitOptions } from '../../src/http/rate-limit.js';
import { describeWithService } from '../support/databases.js';
import { REDIS_URL, redisAvailable } from '../support/redis.js';

/**
 * A throwaway server with Parley's write and read paths; the user a request acts for is given by a
 * test header, as authentication would set it.
 */
async function server(t: import('node:test').TestContext, options: Partial<WriteLimitOptions> = {}) {
  const app = Fastify();
  t.after(() => app.close());
  await limitWrites(app, {
    limit: { max: 3, windowSeconds: 60 },
    actingUserOf: (request) => request.headers['x-acting-user'] as string | undefined,
    ...options,
  });
  for (const path of ['/users/add', '/chats/add', '/messages/add', '/chats/read', '/tokens/add']) {
    app.post(path, async (_request, reply) => reply.code(201).send({ id: '1' }));
  }
  app.post('/chats/get', async () => []);
  app.get('/events', async () => 'stream');
  return app;
}

const write = (app: FastifyInstance, user?: string, path = '/messages/add', remoteAddress = '203.0.113.7') =>
  app.inject({ method: 'POST', url: path, payload: {}, remoteAddress, headers: user ? { 'x-acting-user': user } : {} });

test('each write carries its budget, and the write past it is a 429 problem with Retry-After', async (t) => {
  const app = await server(t);
  for (const remaining of [2, 1, 0]) {
    const answer = await write(app, '1');
    assert.equal(answer.statusCode, 201);
    assert.equal(answer.headers['ratelimit-limit'], '3');
    assert.equal(answer.headers['ratelimit-remaining'], String(remaining));
    assert.ok(Number(answer.headers['ratelimit-reset']) > 0);
  }
  const refused = await write(app, '1');
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
  assert.equal(refused.headers['ratelimit-limit'], '3');
  assert.equal(refused.headers['ratelimit-remaining'], '0');
  assert.equal(refused.headers['ratelimit-reset'], String(retryAfter));
  assert.deepEqual(refused.json(), {
    type: 'urn:parley:problem:rate_limited',
    title: 'Too many requests',
    status: 429,
    detail: `at most 3 writes per minute are allowed; retry in ${retryAfter} seconds`,
  });
});

test('all write methods share one budget per user, and reads are never limited', async (t) => {
  const app = await server(t);
  for (const path of ['/chats/add', '/chats/read', '/users/add'])
    assert.equal((await write(app, '1', path)).statusCode, 201);
  assert.equal((await write(app, '1', '/tokens/add')).statusCode, 429);
  for (let read = 0; read < 5; read += 1) {
    const answer = await write(app, '1', '/chats/get');
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['ratelimit-limit'], undefined);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/events' })).statusCode, 200);
});

test('each user has a budget of their own, and unauthenticated writes count by client address', async (t) => {
  const app = await server(t);
  for (let count = 0; count < 3; count += 1) await write(app, '1');
  assert.equal((await write(app, '1')).statusCode, 429);
  assert.equal((await write(app, '2')).statusCode, 201);
  assert.equal(
    (await write(app, undefined, '/users/add', '203.0.113.7')).statusCode,
    201,
    'the address is not the user',
  );
  for (let count = 0; count < 2; count += 1) await write(app, undefined, '/users/add', '203.0.113.7');
  assert.equal((await write(app, undefined, '/users/add', '203.0.113.7')).statusCode, 429);
  assert.equal((await write(app, undefined, '/users/add', '198.51.100.1')).statusCode, 201);
});

test('with Redis unreachable, writes go through rather than fail', async (t) => {
  const redis = openCounterRedis('redis://127.0.0.1:1');
  t.after(() => redis.disconnect());
  const app = await server(t, { redis });
  for (let count = 0; count < 5; count += 1) assert.equal((await write(app, '1')).statusCode, 201);
});

const nameSpaces: string[] = [];
after(async () => {
  if (!redisAvailable || nameSpaces.length === 0) return;
  const cleaner = new Redis(REDIS_URL);
  for (const nameSpace of nameSpaces) {
    const keys = await cleaner.keys(`${nameSpace}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  cleaner.disconnect();
});

describeWithService('the rate limit counted in Redis across processes', redisAvailable, 'Redis', () => {
  test("two servers sharing Redis share each user's budget", async (t) => {
    const nameSpace = `parley-test:${process.pid}:${randomBytes(4).toString('hex')}:rate-limit:`;
    nameSpaces.push(nameSpace);
    const connections = [openCounterRedis(REDIS_URL), openCounterRedis(REDIS_URL)];
    t.after(() => {
      for (const connection of connections) connection.disconnect();
    });
    await Promise.all(connections.map((redis) => redis.status === 'ready' || once(redis, 'ready')));
    const [a, b] = await Promise.all(connections.map((redis) => server(t, { redis, nameSpace })));
    assert.ok(a && b);

    assert.equal((await write(a, '1')).statusCode, 201);
    assert.equal((await write(b, '1')).statusCode, 201);
    const third = await write(a, '1');
    assert.equal(third.statusCode, 201);
    assert.equal(third.headers['ratelimit-remaining'], '0');
    const refused = await write(b, '1');
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await write(b, '2')).statusCode, 201, 'another user is not affected');

    const reader = new Redis(REDIS_URL);
    t.after(() => reader.disconnect());
    assert.deepEqual((await reader.keys(`${nameSpace}*`)).sort(), [`${nameSpace}user:1`, `${nameSpace}user:2`]);
  });
});
