import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** One answer read off a raw connection. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** From writing the request to reading the whole answer. */
  ms: number;
}

interface Waiting {
  resolve: (answer: RawAnswer) => void;
  reject: (error: Error) => void;
  started: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One HTTP/1.1 connection driven by hand, for what a well-behaved client library will not do: keep a
 * connection open and idle, trickle a request a byte at a time, send bytes that are not HTTP. It also
 * tells when the server closed it. Requests go one at a time; answers are read by Content-Length.
 */
export class RawConnection {
  readonly opened = performance.now();
  /** performance.now() when the connection closed (by the server, unless this side destroyed it). */
  readonly closed: Promise<number>;
  /** performance.now() of the last complete answer (or of opening, before any). */
  lastAnswerAt = this.opened;
  /** Every byte the server sent, answers included. */
  received = Buffer.alloc(0);
  /** performance.now() when the first byte from the server arrived. */
  firstDataAt: number | undefined;
  private pending = Buffer.alloc(0);
  private waiting: Waiting | undefined;
  private isClosed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.firstDataAt ??= performance.now();
      this.received = Buffer.concat([this.received, chunk]);
      this.pending = Buffer.concat([this.pending, chunk]);
      this.readAnswer();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.waiting?.reject(new Error('the server closed the connection before answering'));
        this.waiting = undefined;
        resolve(performance.now());
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** POSTs a JSON body and reads the answer; the connection stays open for the next request. */
  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const head = Object.entries({ host: 'localhost', 'content-type': 'application/json', ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    return this.send(
      Buffer.concat([
        Buffer.from(`POST ${path} HTTP/1.1\r\n${head}content-length: ${payload.length}\r\n\r\n`),
        payload,
      ]),
    );
  }

  /** Writes a whole request as raw bytes and reads one answer. */
  send(request: Buffer | string): Promise<RawAnswer> {
    if (this.waiting !== undefined) return Promise.reject(new Error('one request at a time'));
    if (this.isClosed) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, started: performance.now() };
      this.socket.write(request);
    });
  }

  /** Writes bytes without waiting for anything. */
  write(bytes: Buffer | string): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /**
   * Sends `bytes` one at a time, `everyMs` apart, until they run out or the server answers or closes the
   * connection (a byte sent after the server closed would make it reset the connection, and the reset may
   * discard its answer before it is read). Resolves to whether every byte was sent.
   */
  async trickle(bytes: Buffer | string, everyMs: number): Promise<boolean> {
    for (const byte of Buffer.from(bytes)) {
      if (this.isClosed || this.received.length > 0) return false;
      this.socket.write(Buffer.of(byte));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readAnswer(): void {
    const end = this.pending.indexOf(HEADER_END);
    if (end < 0 || this.waiting === undefined) return;
    const [statusLine = '', ...lines] = this.pending.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (this.pending.length < end + 4 + length) return;
    const body = this.pending.subarray(end + 4, end + 4 + length).toString('utf8');
    this.pending = this.pending.subarray(end + 4 + length);
    const { resolve, started } = this.waiting;
    this.waiting = undefined;
    this.lastAnswerAt = performance.now();
    resolve({ status: Number(statusLine.split(' ')[1]), headers, body, ms: this.lastAnswerAt - started });
  }
}

/** The status of every answer in a stream of raw HTTP/1.x bytes. */
export function statusesIn(received: Buffer): number[] {
  return [...received.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
}

export interface Exchange {
  received: Buffer;
  statuses: number[];
  /** Whether the server closed the connection within the time allowed. */
  closed: boolean;
}

/**
 * Sends raw bytes on a new connection, ends this side, and collects everything the server sends until it
 * closes the connection, or `timeoutMs` passes (then `closed` is false and the connection is destroyed).
 */
export async function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<Exchange> {
  const connection = await RawConnection.connect(port);
  connection.socket.end(bytes);
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    connection.closed.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  connection.destroy();
  return { received: connection.received, statuses: statusesIn(connection.received), closed };
}
