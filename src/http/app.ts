import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { ChatService } from '../chat/chat-service.js';
import type { Storage } from '../chat/storage-port.js';
import type { LiveDelivery } from '../live/live-delivery.js';
import { ParleyError } from '../model/errors.js';
import { answerClientError } from './client-errors.js';
import { boundHandlers } from './handler-deadline.js';
import { parseJsonBody } from './json-body.js';
import { registerLiveMetrics } from './live-metrics.js';
import { registerMetrics, registerMetricsRoute } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { limitPipelining } from './pipelining.js';
import { handleError, sendProblem } from './problem.js';
import { batchedLogger, logEachRequest } from './request-log.js';
import { CHAT_PATHS, registerChatRoutes } from './routes/chat-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerStorageMetrics } from './storage-metrics.js';

export const BODY_LIMIT = 1024 * 1024;

/** Requests a client may send ahead of reading their answers on one connection (HTTP/1.1 pipelining). */
export const PIPELINING_LIMIT = 32;

/** How long the server waits, in milliseconds: on a slow or idle client, and on its own answer. */
export interface HttpTimeouts {
  /** From the first byte of a request to the end of its headers: bounds a client that trickles headers. */
  headers: number;
  /** From the first byte of a request to the end of its body: bounds a client that trickles a body. */
  request: number;
  /** Between two requests on a kept-alive connection. */
  keepAlive: number;
  /** With no byte moving either way (a client that stops reading its answer, too). */
  idleSocket: number;
  /** How often the header and request deadlines are checked: a late client is closed at most this much after. */
  checkInterval: number;
  /**
   * From calling a route's handler (its body read and checked) to its answer: past it, the answer is a 503
   * with Retry-After. Bounds the wait when the database stops answering without closing the connection (a
   * partition). See http/handler-deadline.ts.
   */
  handler: number;
}

/** Each open connection costs memory and a file descriptor; none can be held by a client that sends nothing. */
export const HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  headers: 10_000,
  request: 30_000,
  keepAlive: 5_000,
  idleSocket: 60_000,
  checkInterval: 1_000,
  handler: 40_000,
});

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** What the HTTP room serves; built by the composition root (server.ts). */
export interface AppParts {
  chats: ChatService;
  live: LiveDelivery;
  /** For the readiness probe and the storage's figures. */
  storage: Storage;
  logger?: FastifyServerOptions['logger'];
  /** Tests shorten these; the server runs with HTTP_TIMEOUTS. */
  timeouts?: Partial<HttpTimeouts>;
}

/** Builds the HTTP application around the chat's rules and live delivery; the caller owns their lives. */
export function buildApp({ chats, live, storage, logger = false, timeouts }: AppParts): FastifyInstance {
  const limits = { ...HTTP_TIMEOUTS, ...timeouts };
  const app = Fastify({
    logger: batchedLogger(logger),
    connectionTimeout: limits.idleSocket,
    keepAliveTimeout: limits.keepAlive,
    requestTimeout: limits.request,
    http: { headersTimeout: limits.headers, connectionsCheckingInterval: limits.checkInterval },
    clientErrorHandler: answerClientError,
    // Fastify's own two lines per request give way to one line of ours (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: {
      // Types are checked, never coerced: a number is not a username.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true },
    },
  });

  // A client may end its side of the connection once its request is sent, which (RFC 9112) does not mean it
  // lost interest: the answer is written, then the connection closed, instead of dropping the request.
  (app.server as typeof app.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  app.removeAllContentTypeParsers();
  // Every body is read as JSON, which judges the Content-Type itself; naming application/json besides `*`
  // lets Fastify find the parser in its cache instead of parsing the Content-Type header of each request.
  app.addContentTypeParser(['*', 'application/json'], { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  boundHandlers(app, limits.handler);
  limitPipelining(app, PIPELINING_LIMIT);
  logEachRequest(app);
  app.setErrorHandler(handleError);

  const metrics = registerMetrics(app);
  registerStorageMetrics(metrics.registry, storage);
  registerLiveMetrics(metrics.registry, live);
  registerOpenApi(app);
  // The OpenAPI document sees only the routes declared once its plugin has loaded.
  app.after(() => {
    registerChatRoutes(app, chats);
    registerEventRoutes(app, live);
    registerHealthRoutes(app, storage);
    registerMetricsRoute(app, metrics);
    registerMethodGuards(app, CHAT_PATHS, 'POST');
    registerMethodGuards(app, ['/events'], 'GET');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new ParleyError('not_found', `there is no ${request.method} ${request.url.split('?')[0]}`)),
  );
  return app;
}

/** A known path asked with another method gets 405 and the method it takes. */
function registerMethodGuards(app: FastifyInstance, paths: readonly string[], allowed: 'GET' | 'POST'): void {
  for (const url of paths) {
    app.route({
      method: [...OTHER_METHODS, 'POST'].filter((method) => method !== allowed),
      url,
      handler: (request, reply) => {
        reply.header('allow', allowed);
        return sendProblem(
          reply,
          new ParleyError('method_not_allowed', `${url} takes ${allowed}, not ${request.method}`),
        );
      },
    });
  }
}
