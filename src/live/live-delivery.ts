import type { CommitListener } from '../chat/commit-listener.js';
import type { Storage } from '../chat/storage-port.js';
import type { Id } from '../model/entities.js';
import type { EventSink } from './event-sink.js';
import { LogFollower } from './log-follower.js';
import { replayMissed, resumePointOf } from './replay.js';
import type { Signal } from './signal.js';
import { StreamIndex } from './stream-index.js';
import { type LiveScope, Subscription, type SubscriptionHost } from './subscription.js';

export interface LiveDeliveryOptions {
  /** How often the log is read and sequenced without a signal (a lost signal, a crashed writer). */
  pollMs?: number;
  /** Events one resume may replay; further behind, the client is told to re-read (`reset`). */
  replayLimit?: number;
  /** Live events a subscription may hold while it replays; past it, the client is dropped. */
  maxQueued?: number;
  /** Told when the database cannot be read or sequenced (retried at the next poll): once per outage. */
  onError?: (error: unknown) => void;
}

/** A stream whose scope exists, waiting for its client's sink. */
export interface PendingStream {
  subscription: Subscription;
  start(sink: EventSink): void;
}

/**
 * Live delivery for one process: the database is the log (see LogFollower), each event goes to the
 * streams that carry it (StreamIndex), and a stream that resumes is first sent what it missed (replay.ts).
 * It hears of this process's writes as their CommitListener.
 */
export class LiveDelivery implements CommitListener, SubscriptionHost {
  private readonly follower: LogFollower;
  private readonly streams = new StreamIndex();
  private readonly replayLimit: number;
  private readonly maxQueued: number;

  constructor(
    private readonly storage: Storage,
    signal: Signal,
    options: LiveDeliveryOptions = {},
  ) {
    this.replayLimit = options.replayLimit ?? 10_000;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.follower = new LogFollower(storage, signal, (event) => this.streams.dispatch(event), {
      pollMs: options.pollMs ?? 1_000,
      onError: options.onError ?? (() => {}),
    });
  }

  /** Streams open now, by kind (for metrics). */
  get counts(): { chat: number; user: number } {
    return this.streams.counts;
  }

  committed(): void {
    this.follower.committed();
  }

  /**
   * Opens a stream of the scope from the client's last event id (or from now). Resolves to `undefined`
   * when the chat or user does not exist. Events are queued from this moment; call `start` with the
   * client's sink to replay what it missed and go live.
   */
  async subscribe(scope: LiveScope, lastEventId: string | undefined): Promise<PendingStream | undefined> {
    const now = await this.follower.started();
    const resume = resumePointOf(lastEventId);
    const subscription = new Subscription(
      scope,
      typeof resume === 'number' ? resume : now,
      new Set(),
      this,
      this.maxQueued,
    );
    this.streams.add(subscription);
    this.follower.listen();
    try {
      if (!(await this.loadScope(subscription))) {
        this.forget(subscription);
        return undefined;
      }
    } catch (error) {
      this.forget(subscription);
      throw error;
    }
    return {
      subscription,
      start: (sink) => {
        subscription.attach(sink);
        this.goLive(subscription, resume).catch((error: unknown) => {
          this.follower.reportError(error);
          subscription.close('too_slow');
        });
      },
    };
  }

  follow(subscription: Subscription, chatId: Id): void {
    this.streams.follow(subscription, chatId);
  }

  forget(subscription: Subscription): void {
    this.streams.remove(subscription);
    if (this.streams.size === 0) this.follower.idle();
  }

  /** Ends every stream (the server is stopping); clients resume elsewhere with their last id. */
  async close(): Promise<void> {
    for (const subscription of this.streams.all()) subscription.close('shutdown');
    await this.follower.close();
  }

  /** Whether the scope exists; a user's stream learns its chats (after registering: none is missed). */
  private async loadScope(subscription: Subscription): Promise<boolean> {
    const { scope } = subscription;
    if ('chat' in scope) return this.storage.chatExists(scope.chat);
    const chatIds = await this.storage.chatIdsOfUser(scope.user);
    for (const chat of chatIds ?? []) subscription.chats.add(chat);
    return chatIds !== undefined;
  }

  private async goLive(subscription: Subscription, resume: ReturnType<typeof resumePointOf>): Promise<void> {
    await replayMissed(this.storage, subscription, resume, {
      replayLimit: this.replayLimit,
      head: () => this.follower.started(),
    });
    if (subscription.isClosed) return;
    this.streams.replayed(subscription);
    subscription.goLive();
  }
}
