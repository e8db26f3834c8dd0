import { writeSync } from 'node:fs';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/** One JSON line per request, with its id, route, status and duration; never its body. */
export function logEachRequest(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
    done();
  });
}

const STDOUT = 1;
/** Waits between two tries at a full stdout pipe. */
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/**
 * Log lines to stdout, those of one turn of the event loop in one write, at the end of the turn (and at
 * exit). The default destination writes each line on its own, through the thread pool: at a few thousand
 * requests a second that cost more than building the lines. The writes block, so a reader that cannot keep
 * up slows the server down instead of growing a buffer without end.
 */
class StdoutLines {
  private pending: string[] = [];
  private scheduled = false;
  private broken = false;

  constructor() {
    process.on('exit', this.writePending);
  }

  write(line: string): void {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.writePending);
  }

  /** What pino's `logger.flush(callback)` calls. */
  flush(callback?: (error?: Error) => void): void {
    this.writePending();
    if (callback) process.nextTick(callback);
  }

  private readonly writePending = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    let bytes = Buffer.from(this.pending.join(''));
    this.pending = [];
    while (bytes.length > 0 && !this.broken) {
      try {
        bytes = bytes.subarray(writeSync(STDOUT, bytes));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking pipe that is full: wait for its reader. Anything else: nobody can read the log.
        if (code === 'EAGAIN') Atomics.wait(SLEEP, 0, 0, 5);
        else this.broken = true;
      }
    }
  };
}

let stdoutLines: StdoutLines | undefined;

/**
 * The logger options with the log going to stdout in one write per turn of the event loop, unless the
 * caller named where it goes (a stream or a file) or turned logging off.
 */
export function batchedLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false || logger === undefined) return logger;
  const options = logger === true ? {} : logger;
  if ('stream' in options || 'file' in options) return logger;
  stdoutLines ??= new StdoutLines();
  return { ...options, stream: stdoutLines };
}
