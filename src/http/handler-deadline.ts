import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { ParleyError } from '../model/errors.js';

/** A handler still running, in a list ordered by deadline (every handler gets the same time). */
interface Running {
  due: number;
  fail: (error: ParleyError) => void;
  prev: Running | undefined;
  next: Running | undefined;
}

/**
 * Bounds every route handler to `ms`: a handler that has not answered by then (only the database can keep
 * one waiting: a partition, a lock) is answered `503` with Retry-After, and its late result is dropped.
 * Fastify's `handlerTimeout` does the same with an AbortController, a timer and, on every request's close,
 * an abort (a DOMException with its stack) per request: on the hot path that cost more than the whole SQL of
 * a message. Here a request costs a list entry; one timer serves them all, since with one deadline for all
 * handlers the oldest is always the first due.
 */
export function boundHandlers(app: FastifyInstance, ms: number): void {
  let first: Running | undefined;
  let last: Running | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = 0;

  const unlink = (entry: Running) => {
    if (entry.prev) entry.prev.next = entry.next;
    else first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else last = entry.prev;
    entry.prev = entry.next = undefined;
    // Nothing left to watch: no timer keeps the process up (a closed app must let it exit).
    if (first === undefined && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };

  const arm = () => {
    if (first === undefined || (timer !== undefined && timerDue <= first.due)) return;
    clearTimeout(timer);
    timerDue = first.due;
    timer = setTimeout(expire, Math.max(0, timerDue - Date.now()));
  };

  const expire = () => {
    timer = undefined;
    const now = Date.now();
    while (first !== undefined && first.due <= now) {
      const late = first;
      unlink(late);
      late.fail(new ParleyError('storage_unavailable', 'the database did not answer in time; retry shortly'));
    }
    arm();
  };

  const bound = <T>(work: PromiseLike<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let settled = false;
      const entry: Running = {
        due: Date.now() + ms,
        fail: (error) => {
          settled = true;
          reject(error);
        },
        prev: last,
        next: undefined,
      };
      if (last) last.next = entry;
      else first = entry;
      last = entry;
      arm();
      work.then(
        (value) => {
          if (settled) return;
          unlink(entry);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          unlink(entry);
          reject(error);
        },
      );
    });

  app.addHook('onRoute', (route) => {
    const handler = route.handler as (...args: Parameters<RouteHandlerMethod>) => unknown;
    route.handler = function (this: FastifyInstance, request, reply) {
      const result = handler.call(this, request, reply);
      // A handler that answered synchronously (returning a value, or the reply it sent) needs no deadline.
      return result !== reply && isThenable(result) ? bound(result) : result;
    } as RouteHandlerMethod;
  });
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';
