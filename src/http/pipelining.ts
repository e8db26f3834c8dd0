import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { invalid } from '../errors.js';

/**
 * Drops a connection whose client sends more than `max` requests ahead of reading their answers. Node stops
 * reading a connection whose answers back up, but only between two reads from the network, and one read can
 * carry hundreds of pipelined requests: each would be answered into memory (a chat's whole history, say)
 * for a client that reads none of it.
 */
export function limitPipelining(app: FastifyInstance, max: number): void {
  const unanswered = new WeakMap<Socket, number>();
  app.addHook('onRequest', async (request) => {
    const socket = request.raw.socket;
    const count = (unanswered.get(socket) ?? 0) + 1;
    unanswered.set(socket, count);
    if (count > max) {
      socket.destroy();
      throw invalid(`more than ${max} requests were sent ahead of reading their answers`);
    }
  });
  app.addHook('onResponse', async (request) => {
    const socket = request.raw.socket;
    unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1);
  });
}
