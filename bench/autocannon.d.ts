/** The part of autocannon 9 that the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Called before each request on a connection; returns the request to send. */
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds; ignored when `amount` is given. */
    duration?: number;
    /** Requests in all, shared out between the connections; the run ends when all are answered. */
    amount?: number;
    /** Milliseconds between samples of the rate; the run's end is noticed at the next sample. */
    sampleInt?: number;
    /** Seconds a request may take before it counts as a timeout. */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
    /** Called once per connection, before its first request. */
    setupClient?: (client: Client) => void;
  }

  export interface Client {
    /** Replaces the requests this connection cycles through (each built into a buffer once). */
    setRequests(requests: Request[]): void;
    /** Requests written so far (undocumented field, read by the client itself). */
    readonly reqsMade: number;
    /** Answers after which this connection stops (undocumented field; set from `amount`). */
    responseMax: number;
  }

  export interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
  }

  export interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    statusCodeStats: Record<string, { count: number }>;
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
    on(event: 'start', listener: () => void): this;
  }

  export default function autocannon(options: Options): Instance;
}
