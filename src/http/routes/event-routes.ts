import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { canonicalId } from '../../chat/ids.js';
import type { LiveDelivery } from '../../live/live-delivery.js';
import type { LiveScope } from '../../live/subscription.js';
import { invalid, notFound } from '../../model/errors.js';
import { Events } from '../schemas/events.js';
import { SseStream } from '../sse-stream.js';

/** A comment this often keeps proxies (and their idle timeouts) from closing a quiet stream. */
export const KEEP_ALIVE_MS = 15_000;

type EventsQuery = Static<typeof Events.querystring>;

function scopeOf(query: EventsQuery): LiveScope {
  if ((query.chat === undefined) === (query.user === undefined)) {
    throw invalid('name exactly one of chat or user, as in /events?chat=1 or /events?user=1');
  }
  if (query.chat !== undefined) {
    const chat = canonicalId(query.chat);
    if (chat === undefined) throw notFound(`chat ${query.chat} does not exist`);
    return { chat };
  }
  const user = canonicalId(query.user as string);
  if (user === undefined) throw notFound(`user ${query.user} does not exist`);
  return { user };
}

/** GET /events: live delivery over server-sent events (see LiveDelivery for where the events come from). */
export function registerEventRoutes(app: FastifyInstance, live: LiveDelivery, keepAliveMs = KEEP_ALIVE_MS): void {
  const streams = new Set<SseStream>();
  let keepAlive: NodeJS.Timeout | undefined;

  app.withTypeProvider<TypeBoxTypeProvider>().get('/events', { schema: Events }, async (request, reply) => {
    const scope = scopeOf(request.query);
    const pending = await live.subscribe(scope, request.headers['last-event-id']);
    if (!pending)
      throw notFound('chat' in scope ? `chat ${scope.chat} does not exist` : `user ${scope.user} does not exist`);
    // The client may have left while its stream was being opened: then there is no one to stream to.
    // Its end of the connection is how it leaves: the server keeps half-open connections (see app.ts).
    const socket = request.raw.socket;
    if (socket.destroyed || socket.readableEnded) {
      pending.subscription.close('gone');
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    reply.hijack();
    const stream = new SseStream(reply.raw);
    streams.add(stream);
    keepAlive ??= setInterval(() => {
      for (const open of streams) open.keepAlive();
    }, keepAliveMs).unref();
    const leave = () => reply.raw.destroy();
    socket.once('end', leave);
    reply.raw.on('close', () => {
      // A kept-alive connection may carry other requests after this stream: it must not collect listeners.
      socket.off('end', leave);
      pending.subscription.close('gone');
      streams.delete(stream);
      if (streams.size === 0) {
        clearInterval(keepAlive);
        keepAlive = undefined;
      }
    });
    pending.start(stream);
  });
}
