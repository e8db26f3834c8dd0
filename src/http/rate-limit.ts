import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimitConfig } from '../config.js';

/** The methods that write: each user (or client address) shares one budget across all of them. */
export const WRITE_PATHS: readonly string[] = [
  '/users/add',
  '/chats/add',
  '/messages/add',
  '/chats/read',
  '/tokens/add',
];

export const RATE_LIMIT_NAMESPACE = 'parley:rate-limit:';

export interface WriteLimitOptions {
  /** RATE_LIMIT. */
  limit: RateLimitConfig;
  /**
   * The user a request acts for once authenticated; undefined (no token, an admin token) counts it by
   * client address. Asked in `preValidation`, so authenticate in `onRequest`.
   */
  actingUserOf: (request: FastifyRequest) => string | undefined;
  /** Counts in Redis, shared by every process (see auth/redis-connection.ts); absent, in this process. */
  redis?: Redis | undefined;
  /** Tests give each run its own; the server keeps RATE_LIMIT_NAMESPACE. */
  nameSpace?: string;
  /** Which routes are writes; by default POST on WRITE_PATHS. */
  isWrite?: (route: RouteOptions) => boolean;
}

/**
 * Bounds the writes of each user, or of each client address when unauthenticated, to RATE_LIMIT per
 * window (a window starts at a key's first write). Every answer of a write carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds); past the limit, `429` with `Retry-After` and an
 * RFC 9457 problem, sent here so that no error handler can reword it. Reads are never limited.
 *
 * Call it before the write routes are declared: it adds its hook to each write route as it is declared.
 * If Redis cannot answer, writes go through uncounted (the plugin's `skipOnError`): a Redis outage must
 * not stop every write, and the outage is reported by the Redis connection itself.
 */
export async function limitWrites(app: FastifyInstance, options: WriteLimitOptions): Promise<void> {
  const { max, windowSeconds } = options.limit;
  await app.register(rateLimit, {
    global: false,
    max,
    timeWindow: windowSeconds * 1000,
    keyGenerator: (request) => keyOf(request, options.actingUserOf),
    skipOnError: true,
    // In memory: how many keys are remembered at once (least recently used go first).
    cache: 10_000,
    ...(options.redis === undefined
      ? {}
      : { redis: options.redis, nameSpace: options.nameSpace ?? RATE_LIMIT_NAMESPACE }),
  });
  const take = app.createRateLimit();
  const window = windowWords(windowSeconds);

  const limitWrite = async (request: FastifyRequest, reply: FastifyReply) => {
    const budget = await take(request);
    if (budget.isAllowed) return;
    reply.header('ratelimit-limit', budget.max);
    reply.header('ratelimit-remaining', budget.remaining);
    reply.header('ratelimit-reset', budget.ttlInSeconds);
    if (!budget.isExceeded) return;
    const retryAfter = Math.max(1, budget.ttlInSeconds);
    reply.header('retry-after', retryAfter);
    return reply
      .code(429)
      .type('application/problem+json')
      .send({
        type: 'urn:parley:problem:rate_limited',
        title: 'Too many requests',
        status: 429,
        detail: `at most ${max} writes per ${window} are allowed; retry in ${retryAfter} seconds`,
      });
  };

  const isWrite = options.isWrite ?? isWriteRoute;
  app.addHook('onRoute', (route) => {
    if (!isWrite(route)) return;
    const hooks = route.preValidation;
    route.preValidation = [...(hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]), limitWrite];
  });
}

function isWriteRoute(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.includes('POST') && WRITE_PATHS.includes(route.url);
}

/** Users and addresses in separate spaces, so that no user id can ever collide with an address. */
function keyOf(request: FastifyRequest, actingUserOf: WriteLimitOptions['actingUserOf']): string {
  const user = actingUserOf(request);
  return user === undefined ? `address:${normalizeIP(request.ip)}` : `user:${user}`;
}

function windowWords(seconds: number): string {
  const named: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day' };
  return named[seconds] ?? `${seconds} seconds`;
}
