import { once } from 'node:events';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { unavailable } from '../../model/errors.js';
import type { Writer } from './writer.js';
import type { WriteCommand, WriteOutcome } from './writes.js';

/** To the writer's thread: writes of this thread, each with its sequence number; or close. */
export type WriterRequest = { commands: [number, WriteCommand][] } | { close: true };
/** From it: that its connection is open, then the outcomes of each group commit, with the commit counters. */
export type WriterReply = { ready: true } | CommitReply;
interface CommitReply {
  outcomes: [number, WriteOutcome][];
  committed: { batches: number; writes: number };
}

export interface WriterThreadData {
  file: string;
}

/**
 * Writes go over at the end of each turn of this thread, or as soon as this many are waiting. A turn
 * that reads many requests at once would otherwise hold its first writes back while the writer idles:
 * the next commit would start late, carrying only the writes of turns before. More messages would cost
 * this thread a postMessage each, and the writer a commit each when it is idle.
 */
export const WRITES_PER_MESSAGE = 8;

// The thread's code sits next to this file, with the same extension: compiled (.js), or the source (.ts).
const WORKER_URL = new URL(`./write-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/**
 * Starts a thread on a module. Compiled code needs nothing more than `new Worker`; code run from its
 * TypeScript sources (the tests) must bring its loader into the thread itself.
 */
export type ThreadStarter = (entry: URL, options: WorkerOptions) => Worker;

const startThread: ThreadStarter = (entry, options) => new Worker(entry, options);

interface Waiting {
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes on a connection of their own in a worker thread, so that the group commit's fsync never stops
 * this thread: requests go on being read, answered and served from the reading connection while a batch
 * commits. Writes go over in messages of up to WRITES_PER_MESSAGE, and each commit's outcomes come back in one.
 * The thread keeps the process alive only while writes are waiting for it.
 */
export class ThreadWriter implements Writer {
  private worker: Worker | undefined;
  private queued: [number, WriteCommand][] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextSeq = 0;
  private counts = { batches: 0, writes: 0 };
  private closing = false;
  private onDrained: (() => void) | undefined;
  private started: Promise<void> | undefined;
  private onStarted: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly sendQueued = () => this.send();

  constructor(
    private readonly file: string,
    private readonly startWorker: ThreadStarter = startThread,
  ) {
    this.worker = this.start();
  }

  ready(): Promise<void> {
    this.worker ??= this.start();
    return this.started as Promise<void>;
  }

  write(command: WriteCommand): Promise<WriteOutcome> {
    if (this.closing) return Promise.reject(unavailable('the database is closed'));
    return new Promise((resolve, reject) => {
      const seq = this.nextSeq++;
      this.waiting.set(seq, { resolve, reject });
      if (this.queued.length === 0) setImmediate(this.sendQueued);
      this.queued.push([seq, command]);
      if (this.queued.length === WRITES_PER_MESSAGE) this.send();
    });
  }

  committed() {
    return { ...this.counts };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.waiting.size > 0) await new Promise<void>((resolve) => (this.onDrained = resolve));
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.ref();
    worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    const worker = this.startWorker(WORKER_URL, { workerData: { file: this.file } satisfies WriterThreadData });
    worker.unref();
    this.started = new Promise((resolve, reject) => (this.onStarted = { resolve, reject }));
    // Nobody may be waiting for it: a thread that fails to start is reported to the writes instead.
    this.started.catch(() => {});
    worker.on('message', (reply: WriterReply) => ('ready' in reply ? this.onStarted?.resolve() : this.settle(reply)));
    worker.on('error', (error) => this.lose(worker, error.message));
    worker.on('exit', (code) => this.lose(worker, `it exited with code ${code}`));
    return worker;
  }

  private send(): void {
    // What a full message took already, the turn's end finds gone.
    if (this.queued.length === 0) return;
    const commands = this.queued;
    this.queued = [];
    // A thread that stopped (it could not open the file, say) is started again for the next writes.
    this.worker ??= this.start();
    this.worker.ref();
    this.worker.postMessage({ commands } satisfies WriterRequest);
  }

  private settle(reply: CommitReply): void {
    this.counts = reply.committed;
    for (const [seq, outcome] of reply.outcomes) {
      this.waiting.get(seq)?.resolve(outcome);
      this.waiting.delete(seq);
    }
    if (this.waiting.size === 0) this.idle();
  }

  /** The thread stopped: whether its waiting writes committed is unknown, so each is told the database failed. */
  private lose(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const failure = unavailable(`the database writer stopped: ${why}`);
    this.onStarted?.reject(failure);
    for (const { reject } of this.waiting.values()) reject(failure);
    this.waiting.clear();
    this.idle();
  }

  private idle(): void {
    this.worker?.unref();
    this.onDrained?.();
    this.onDrained = undefined;
  }
}
