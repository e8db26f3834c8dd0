import type { LogEvent } from '../model/log-events.js';

/** A chat's stream, or a user's. */
export type StreamKind = 'chat' | 'user';

/** Where a subscription's events go: a client's stream, as the transport shapes it. */
export interface EventSink {
  /**
   * Writes an event as a stream of that kind shows it; `false` when the client has fallen so far behind
   * that it must be dropped.
   */
  send(event: LogEvent, stream: StreamKind): boolean;
  /** Tells the client to re-read what it shows, then to go on from `position`. */
  reset(position: number, reason: string): void;
  /** Resolves once the client has taken what was written (replays wait for it; live events do not). */
  drained(): Promise<void>;
  /** Ends the stream: the client was too slow, or the server is stopping. */
  close(why: 'too_slow' | 'shutdown'): void;
}
