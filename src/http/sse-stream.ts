import type { ServerResponse } from 'node:http';
import type { EventSink, StreamKind } from '../live/event-sink.js';
import type { LogEvent } from '../model/log-events.js';

/** What a client may leave unread before it is dropped: far more than a burst, far less than a leak. */
export const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * An event is formatted and encoded once per kind of stream, however many streams carry it: writing one
 * Buffer to a thousand streams costs a third of writing a string to each.
 */
const formatted: Record<StreamKind, WeakMap<LogEvent, Buffer>> = { chat: new WeakMap(), user: new WeakMap() };

/**
 * What an event says on a stream. A moved read marker tells its reader's own streams the unread count
 * too (a second device's badge); a chat's streams get the receipt alone.
 */
function dataOf(event: LogEvent, stream: StreamKind): unknown {
  switch (event.kind) {
    case 'chat':
      return event.chat;
    case 'message':
      return event.message;
    case 'read': {
      const { chat, user, last_read, unread } = event.read;
      return stream === 'user' ? { chat, user, last_read, unread } : { chat, user, last_read };
    }
  }
}

function format(event: LogEvent, stream: StreamKind): Buffer {
  let bytes = formatted[stream].get(event);
  if (bytes === undefined) {
    const data = JSON.stringify(dataOf(event, stream));
    bytes = Buffer.from(`id: ${event.position}\nevent: ${event.kind}\ndata: ${data}\n\n`);
    formatted[stream].set(event, bytes);
  }
  return bytes;
}

/** One client's server-sent events on its HTTP response. */
export class SseStream implements EventSink {
  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies such as nginx would otherwise hold the events back to fill their buffers.
      'x-accel-buffering': 'no',
    });
    // Sent at once, so that the client knows the stream is open before the first event.
    response.write(': stream open\n\n');
  }

  send(event: LogEvent, stream: StreamKind): boolean {
    this.response.write(format(event, stream));
    return this.response.writableLength <= MAX_UNREAD_BYTES;
  }

  reset(position: number, reason: string): void {
    this.response.write(`id: ${position}\nevent: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  keepAlive(): void {
    this.response.write(': keep-alive\n\n');
  }

  drained(): Promise<void> {
    if (!this.response.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  close(why: 'too_slow' | 'shutdown'): void {
    // A client too slow to read would keep the rest buffered here: its connection goes at once.
    if (why === 'too_slow') this.response.destroy();
    else this.response.end();
  }
}
