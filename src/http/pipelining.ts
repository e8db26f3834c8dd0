import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { invalid } from '../model/errors.js';

/** Requests a connection sent that have no answer yet, kept on the socket itself. */
const UNANSWERED = Symbol('parley.unanswered');

type CountedSocket = Socket & { [UNANSWERED]?: number };

/**
 * Drops a connection whose client sends more than `max` requests ahead of reading their answers. Node stops
 * reading a connection whose answers back up, but only between two reads from the network, and one read can
 * carry hundreds of pipelined requests: each would be answered into memory (a chat's whole history, say)
 * for a client that reads none of it. The hooks call back at once (no promise per request).
 */
export function limitPipelining(app: FastifyInstance, max: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket as CountedSocket;
    const count = (socket[UNANSWERED] ?? 0) + 1;
    socket[UNANSWERED] = count;
    if (count > max) {
      socket.destroy();
      done(invalid(`more than ${max} requests were sent ahead of reading their answers`));
      return;
    }
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const socket = request.raw.socket as CountedSocket;
    socket[UNANSWERED] = (socket[UNANSWERED] ?? 1) - 1;
    done();
  });
}
