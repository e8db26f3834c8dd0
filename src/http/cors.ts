import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Request headers a page may send: the token, JSON bodies, retry keys, and the resume position of a
 * stream opened by hand (EventSource itself sends Last-Event-ID without asking).
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'];

/**
 * Answer headers a page may read: paging, when to retry, its rate-limit budget, and why a token was
 * refused (WWW-Authenticate says invalid_token, so the page knows to sign in again).
 */
export const CORS_EXPOSED_HEADERS = [
  'Next-Cursor',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'WWW-Authenticate',
];

/** Browsers may keep a preflight's answer this long; short, so a changed CORS_ORIGINS takes effect soon. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Lets web pages on CORS_ORIGINS call the API from a browser, streams included. Register it before any
 * authentication: a preflight carries no token, and is answered in the first hook (`onRequest`) before
 * anything else runs, even on paths whose other methods answer 405. With no origins, nothing is
 * registered and browsers keep their same-origin rule.
 *
 * Credentials mode stays off: the token travels in the Authorization header (or `access_token`), not
 * in a cookie, so no page can make a browser spend a user's session on its behalf.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    credentials: false,
  });
}
