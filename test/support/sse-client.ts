import http from 'node:http';

export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Per-wait bound: a stream that never delivers fails its test instead of hanging it. */
const WAIT_MS = 20_000;

/**
 * A minimal server-sent events client (the format of the HTML standard's EventSource) that collects
 * events and comments, for tests to wait on.
 */
export class SseClient {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
  private waiters: (() => void)[] = [];
  private pending = '';
  closedByServer = false;

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly response: http.IncomingMessage,
    readonly body: Promise<string>,
  ) {
    if (status !== 200) return;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    response.on('end', () => {
      this.closedByServer = true;
      this.wake();
    });
    response.on('close', () => {
      this.closedByServer = true;
      this.wake();
    });
    // A connection the server cut (a dropped slow client) ends the response with an error: that is its close.
    response.on('error', () => {
      this.closedByServer = true;
      this.wake();
    });
  }

  /** Opens a stream; a non-200 answer is kept whole in `body`. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        const status = response.statusCode ?? 0;
        if (status === 200) {
          resolve(new SseClient(status, response.headers, response, Promise.resolve('')));
          return;
        }
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        const done = new Promise<string>((settle) => response.on('end', () => settle(body)));
        resolve(new SseClient(status, response.headers, response, done));
      });
      request.on('error', reject);
    });
  }

  /** Waits until `count` events have arrived (or the server closed the stream), and returns them all. */
  async waitForEvents(count: number): Promise<ServerSentEvent[]> {
    await this.until(() => this.events.length >= count || this.closedByServer);
    return this.events;
  }

  async waitForClose(): Promise<void> {
    await this.until(() => this.closedByServer);
  }

  async until(condition: () => boolean, ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream waited ${ms} ms; it had ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops reading without closing: the server sees a client that has stopped taking data. */
  pause(): void {
    this.response.pause();
  }

  /** Reads again what the stream holds, up to its end. */
  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.response.destroy();
  }

  /** The last event's id, as an EventSource would send it on reconnecting. */
  get lastEventId(): string | undefined {
    return this.events.findLast((event) => event.id !== undefined)?.id;
  }

  private take(chunk: string): void {
    this.pending += chunk;
    let end = this.pending.indexOf('\n\n');
    while (end >= 0) {
      this.parse(this.pending.slice(0, end));
      this.pending = this.pending.slice(end + 2);
      end = this.pending.indexOf('\n\n');
    }
    this.wake();
  }

  private parse(block: string): void {
    const event: ServerSentEvent = { id: undefined, event: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0 && event.id === undefined) return;
    event.data = data.join('\n');
    this.events.push(event);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
