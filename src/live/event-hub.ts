import type { Id } from '../chat/model.js';
import type { LogEvent, Storage } from '../storage/storage.js';
import type { EventSink } from './event-sink.js';
import type { Signal } from './signal.js';
import { type LiveScope, Subscription, type SubscriptionHost } from './subscription.js';

export interface EventHubOptions {
  /** How often the log is read and sequenced without a signal (a lost signal, a crashed writer). */
  pollMs?: number;
  /** Events one resume may replay; further behind, the client is told to re-read (`reset`). */
  replayLimit?: number;
  /** Live events a subscription may hold while it replays; past it, the client is dropped. */
  maxQueued?: number;
  /** Told when the database cannot be read or sequenced (retried at the next poll): once per outage. */
  onError?: (error: unknown) => void;
}

const PAGE = 1_000;

/** A resume position a client sent, as far as it can be trusted before asking the database. */
const positionFrom = (lastEventId: string | undefined): number | 'none' | 'malformed' => {
  if (lastEventId === undefined || lastEventId === '') return 'none';
  if (!/^[0-9]{1,15}$/.test(lastEventId)) return 'malformed';
  return Number(lastEventId);
};

/**
 * Live delivery for one process. The database is the log: after a write, the hub sequences it (see
 * Storage.sequenceEvents), reads the log from where it stopped, and hands each event to the
 * subscriptions that carry it; then it signals the other processes, which do the same. Reading the log
 * is one query per turn whatever the number of subscribers. A poll covers lost signals.
 */
export class EventHub implements SubscriptionHost {
  /** The last position read from the log and handed out; `undefined` until first read. */
  private position: number | undefined;
  private starting: Promise<number> | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private turning: Promise<void> | undefined;
  private turnAgain = false;
  private publishNext = false;
  private poll: NodeJS.Timeout | undefined;
  private readonly chatStreams = new Map<Id, Set<Subscription>>();
  private readonly userStreams = new Map<Id, Set<Subscription>>();
  /** User streams still replaying: they take every message, as their chats are not all known yet. */
  private readonly replayingUserStreams = new Set<Subscription>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollMs: number;
  private readonly replayLimit: number;
  private readonly maxQueued: number;
  private readonly onError: (error: unknown) => void;
  /** Whether the last turn failed: an outage is reported once, not every second. */
  private failing = false;

  constructor(
    private readonly storage: Storage,
    private readonly signal: Signal,
    options: EventHubOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1_000;
    this.replayLimit = options.replayLimit ?? 10_000;
    this.maxQueued = options.maxQueued ?? 10_000;
    const onError = options.onError ?? (() => {});
    this.onError = (error) => {
      if (!this.failing) onError(error);
      this.failing = true;
    };
    signal.onSignal(() => this.readLog());
  }

  /** Subscriptions open now, by stream kind (for metrics). */
  get counts(): { chat: number; user: number } {
    let chat = 0;
    for (const subscription of this.subscriptions) if ('chat' in subscription.scope) chat += 1;
    return { chat, user: this.subscriptions.size - chat };
  }

  /** A write committed here: give it its position, tell the other processes, and deliver it. */
  written(): void {
    this.turn(true);
  }

  /**
   * Opens a stream of the scope from the client's last event id (or from now). Resolves to `undefined`
   * when the chat or user does not exist. Events are queued from this moment; call `start` with the
   * client's sink to replay what it missed and go live.
   */
  async subscribe(scope: LiveScope, lastEventId: string | undefined): Promise<PendingStream | undefined> {
    const now = await this.started();
    const resume = positionFrom(lastEventId);
    const subscription = new Subscription(
      scope,
      typeof resume === 'number' ? resume : now,
      new Set(),
      this,
      this.maxQueued,
    );
    this.register(subscription);
    try {
      const known = await this.loadScope(subscription);
      if (!known) {
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
        this.replay(subscription, resume).catch((error: unknown) => {
          this.onError(error);
          subscription.close('too_slow');
        });
      },
    };
  }

  follow(subscription: Subscription, chatId: Id): void {
    let streams = this.chatStreams.get(chatId);
    if (!streams) {
      streams = new Set();
      this.chatStreams.set(chatId, streams);
    }
    streams.add(subscription);
  }

  forget(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
    this.replayingUserStreams.delete(subscription);
    const { scope } = subscription;
    const chats = 'chat' in scope ? [scope.chat] : subscription.chats;
    for (const chat of chats) this.unfollow(this.chatStreams, chat, subscription);
    if ('user' in scope) this.unfollow(this.userStreams, scope.user, subscription);
    if (this.subscriptions.size === 0) {
      // No one reads on: the next stream starts from the log's head, not from where reading stopped.
      this.position = undefined;
      this.stopPolling();
    }
  }

  /** Ends every stream (the server is stopping); clients resume elsewhere with their last id. */
  async close(): Promise<void> {
    this.stopPolling();
    for (const subscription of [...this.subscriptions]) subscription.close('shutdown');
    await Promise.allSettled([this.reading, this.turning]);
    await this.signal.close();
  }

  private register(subscription: Subscription): void {
    this.subscriptions.add(subscription);
    const { scope } = subscription;
    if ('chat' in scope) {
      this.follow(subscription, scope.chat);
    } else {
      this.replayingUserStreams.add(subscription);
      const streams = this.userStreams.get(scope.user) ?? new Set();
      this.userStreams.set(scope.user, streams.add(subscription));
    }
    this.poll ??= setInterval(() => this.turn(false), this.pollMs).unref();
  }

  /** Whether the scope exists; a user's stream learns its chats (after registering: none is missed). */
  private async loadScope(subscription: Subscription): Promise<boolean> {
    const { scope } = subscription;
    if ('chat' in scope) return this.storage.chatExists(scope.chat);
    const chatIds = await this.storage.chatIdsOfUser(scope.user);
    for (const chat of chatIds ?? []) subscription.chats.add(chat);
    return chatIds !== undefined;
  }

  private async replay(subscription: Subscription, resume: number | 'none' | 'malformed'): Promise<void> {
    if (resume === 'malformed') {
      subscription.reset(await this.started(), 'the last event id is not one this server gave');
    } else if (typeof resume === 'number' && resume > (await this.storage.lastLogPosition())) {
      subscription.reset(await this.storage.lastLogPosition(), 'the last event id is ahead of the log');
    } else {
      await this.replayFromDatabase(subscription);
    }
    if (subscription.isClosed) return;
    this.replayingUserStreams.delete(subscription);
    subscription.goLive();
    if ('user' in subscription.scope) for (const chat of subscription.chats) this.follow(subscription, chat);
  }

  private async replayFromDatabase(subscription: Subscription): Promise<void> {
    let replayed = 0;
    for (;;) {
      const events = await this.storage.eventsAfter(subscription.lastSent, subscription.scope, PAGE);
      if (subscription.isClosed) return;
      replayed += events.length;
      if (replayed > this.replayLimit) {
        subscription.reset(this.position ?? 0, `more than ${this.replayLimit} events were missed`);
        return;
      }
      for (const event of events) subscription.replay(event);
      if (events.length < PAGE) return;
      await subscription.drained();
    }
  }

  /** The position the hub has read to, reading the log's head when it has not read yet. */
  private started(): Promise<number> {
    if (this.position !== undefined) return Promise.resolve(this.position);
    this.starting ??= this.storage
      .lastLogPosition()
      .then((position) => {
        this.position ??= position;
        return this.position;
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  /**
   * Sequences what was committed, signals when asked, and reads the log. One turn at a time: the writes
   * committed during a turn are all served by the next one, so a burst of writes costs a few turns.
   */
  private turn(publish: boolean): void {
    this.publishNext ||= publish;
    if (this.turning) {
      this.turnAgain = true;
      return;
    }
    this.turning = (async () => {
      do {
        this.turnAgain = false;
        const publishing = this.publishNext;
        this.publishNext = false;
        try {
          while ((await this.storage.sequenceEvents()) > 0) {}
          this.failing = false;
        } catch (error) {
          this.onError(error);
        }
        if (publishing) this.signal.publish();
        await this.readLog();
      } while (this.turnAgain);
    })().finally(() => {
      this.turning = undefined;
    });
  }

  /** Reads the log from the hub's position and hands out each event, one reader at a time. */
  private readLog(): Promise<void> {
    // With no one listening there is nothing to read; the next subscriber starts from the log's head.
    if (this.subscriptions.size === 0) {
      this.position = undefined;
      return Promise.resolve();
    }
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        try {
          let from = await this.started();
          for (;;) {
            const events = await this.storage.eventsAfter(from, 'all', PAGE);
            for (const event of events) this.dispatch(event);
            from = this.position ?? from;
            if (events.length < PAGE) break;
          }
          this.failing = false;
        } catch (error) {
          this.onError(error);
        }
      } while (this.readAgain);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private dispatch(event: LogEvent): void {
    if (this.position !== undefined && event.position <= this.position) return;
    this.position = event.position;
    if (event.kind === 'chat') {
      for (const user of event.chat.users) {
        for (const subscription of this.userStreams.get(user) ?? []) subscription.deliver(event);
      }
      return;
    }
    for (const subscription of this.chatStreams.get(event.message.chat) ?? []) subscription.deliver(event);
    for (const subscription of this.replayingUserStreams) subscription.deliver(event);
  }

  private unfollow(index: Map<Id, Set<Subscription>>, key: Id, subscription: Subscription): void {
    const streams = index.get(key);
    if (!streams) return;
    streams.delete(subscription);
    if (streams.size === 0) index.delete(key);
  }

  private stopPolling(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }
}

/** A stream whose scope exists, waiting for its client's sink. */
export interface PendingStream {
  subscription: Subscription;
  start(sink: EventSink): void;
}
