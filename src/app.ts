import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { ChatService } from './chat/chat-service.js';
import { ParleyError } from './errors.js';
import { exactIds } from './http/exact-ids.js';
import { parseJsonBody } from './http/json-body.js';
import { registerMetrics, registerMetricsRoute } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { handleError, sendProblem } from './http/problem.js';
import { logEachRequest } from './http/request-log.js';
import { CHAT_PATHS, registerChatRoutes } from './http/routes/chat-routes.js';
import { registerHealthRoutes } from './http/routes/health-routes.js';
import { registerStorageMetrics } from './http/storage-metrics.js';
import type { Storage } from './storage/storage.js';

export const BODY_LIMIT = 1024 * 1024;

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

export interface AppOptions {
  storage: Storage;
  logger?: FastifyServerOptions['logger'];
}

/** Builds the HTTP application around a storage backend; the caller owns listening and the storage's life. */
export function buildApp({ storage, logger = false }: AppOptions): FastifyInstance {
  const app = Fastify({
    logger,
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

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('preValidation', exactIds);
  logEachRequest(app);
  app.setErrorHandler(handleError);

  const chats = new ChatService(storage);
  const metrics = registerMetrics(app);
  registerStorageMetrics(metrics.registry, storage);
  registerOpenApi(app);
  // The OpenAPI document sees only the routes declared once its plugin has loaded.
  app.after(() => {
    registerChatRoutes(app, chats);
    registerHealthRoutes(app, storage);
    registerMetricsRoute(app, metrics);
    registerMethodGuards(app, CHAT_PATHS);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new ParleyError('not_found', `there is no ${request.method} ${request.url.split('?')[0]}`)),
  );
  return app;
}

/** A known path asked with another method gets 405 and the method it takes. */
function registerMethodGuards(app: FastifyInstance, paths: readonly string[]): void {
  for (const url of paths) {
    app.route({
      method: [...OTHER_METHODS],
      url,
      handler: (request, reply) => {
        reply.header('allow', 'POST');
        return sendProblem(reply, new ParleyError('method_not_allowed', `${url} takes POST, not ${request.method}`));
      },
    });
  }
}
