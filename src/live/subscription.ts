import type { Id } from '../model/entities.js';
import type { LogEvent } from '../model/log-events.js';
import type { EventSink } from './event-sink.js';

/** The live streams a client can open. */
export type LiveScope = { chat: Id } | { user: Id };

/** What a subscription asks of live delivery: to follow a chat it has just joined, and to be forgotten. */
export interface SubscriptionHost {
  follow(subscription: Subscription, chatId: Id): void;
  forget(subscription: Subscription): void;
}

/**
 * One client's stream. It starts by replaying what the client missed while live events wait in a
 * bounded queue; then it goes live. `lastSent` is the position of the last event written: an event at
 * or before it is never written again, which makes the replay and the queue meet without a gap or a
 * repeat.
 */
export class Subscription {
  /** Live events held while the replay runs; `undefined` once live. */
  private queued: LogEvent[] | undefined = [];
  private sink: EventSink | undefined;
  private closed = false;

  constructor(
    readonly scope: LiveScope,
    public lastSent: number,
    /** For a user's stream: the chats whose messages it carries. */
    readonly chats: Set<Id>,
    private readonly host: SubscriptionHost,
    private readonly maxQueued: number,
  ) {}

  get isLive(): boolean {
    return this.queued === undefined && !this.closed;
  }

  attach(sink: EventSink): void {
    this.sink = sink;
  }

  /** A live event: written now when live, else queued behind the replay. */
  deliver(event: LogEvent): void {
    if (this.closed) return;
    if (this.queued === undefined) {
      this.write(event);
    } else if (this.queued.length < this.maxQueued) {
      this.queued.push(event);
    } else {
      this.close('too_slow');
    }
  }

  /** A replayed event, read from the database. */
  replay(event: LogEvent): void {
    if (!this.closed) this.write(event);
  }

  /** Ends the replay: the queued events not replayed already are written, and the stream goes live. */
  goLive(): void {
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const event of queued) this.write(event);
  }

  /** The client is told to re-read; the stream goes on from `position`. */
  reset(position: number, reason: string): void {
    this.lastSent = Math.max(this.lastSent, position);
    this.sink?.reset(this.lastSent, reason);
  }

  close(why: 'too_slow' | 'shutdown' | 'gone'): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = undefined;
    this.host.forget(this);
    if (why !== 'gone') this.sink?.close(why);
  }

  drained(): Promise<void> {
    return this.sink?.drained() ?? Promise.resolve();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private write(event: LogEvent): void {
    if (event.position <= this.lastSent || !this.carries(event)) return;
    this.lastSent = event.position;
    if (!this.sink?.send(event, 'chat' in this.scope ? 'chat' : 'user')) this.close('too_slow');
  }

  /** Whether the event belongs to this stream; a user's stream learns of its new chats on the way. */
  private carries(event: LogEvent): boolean {
    if ('chat' in this.scope) {
      if (event.kind === 'message') return event.message.chat === this.scope.chat;
      return event.kind === 'read' && event.read.chat === this.scope.chat;
    }
    if (event.kind === 'message') return this.chats.has(event.message.chat);
    if (event.kind === 'read') return event.read.user === this.scope.user;
    if (!event.chat.users.includes(this.scope.user)) return false;
    this.chats.add(event.chat.id);
    if (this.queued === undefined) this.host.follow(this, event.chat.id);
    return true;
  }
}
