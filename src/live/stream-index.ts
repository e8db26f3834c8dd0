import type { Id } from '../model/entities.js';
import type { LogEvent } from '../model/log-events.js';
import type { Subscription } from './subscription.js';

/**
 * The open streams of this process, indexed so that an event reaches only the streams that carry it: a
 * message goes to its chat's streams and to the user streams following that chat; a new chat to the
 * user streams of its members; a moved read marker to its chat's streams and its reader's user streams.
 * A user stream still replaying takes every message, as it does not know
 * all its chats yet (it filters them itself).
 */
export class StreamIndex {
  private readonly chatStreams = new Map<Id, Set<Subscription>>();
  private readonly userStreams = new Map<Id, Set<Subscription>>();
  private readonly replayingUserStreams = new Set<Subscription>();
  private readonly subscriptions = new Set<Subscription>();

  get size(): number {
    return this.subscriptions.size;
  }

  /** Streams open now, by kind (for metrics). */
  get counts(): { chat: number; user: number } {
    let chat = 0;
    for (const subscription of this.subscriptions) if ('chat' in subscription.scope) chat += 1;
    return { chat, user: this.subscriptions.size - chat };
  }

  all(): Subscription[] {
    return [...this.subscriptions];
  }

  add(subscription: Subscription): void {
    this.subscriptions.add(subscription);
    const { scope } = subscription;
    if ('chat' in scope) {
      this.follow(subscription, scope.chat);
    } else {
      this.replayingUserStreams.add(subscription);
      add(this.userStreams, scope.user, subscription);
    }
  }

  /** A user stream done replaying follows its chats one by one from now on. */
  replayed(subscription: Subscription): void {
    this.replayingUserStreams.delete(subscription);
    if ('user' in subscription.scope) for (const chat of subscription.chats) this.follow(subscription, chat);
  }

  follow(subscription: Subscription, chatId: Id): void {
    add(this.chatStreams, chatId, subscription);
  }

  remove(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
    this.replayingUserStreams.delete(subscription);
    const { scope } = subscription;
    const chats = 'chat' in scope ? [scope.chat] : subscription.chats;
    for (const chat of chats) remove(this.chatStreams, chat, subscription);
    if ('user' in scope) remove(this.userStreams, scope.user, subscription);
  }

  dispatch(event: LogEvent): void {
    if (event.kind === 'read') {
      for (const subscription of this.chatStreams.get(event.read.chat) ?? []) subscription.deliver(event);
      for (const subscription of this.userStreams.get(event.read.user) ?? []) subscription.deliver(event);
      return;
    }
    if (event.kind === 'chat') {
      for (const user of event.chat.users) {
        for (const subscription of this.userStreams.get(user) ?? []) subscription.deliver(event);
      }
      return;
    }
    for (const subscription of this.chatStreams.get(event.message.chat) ?? []) subscription.deliver(event);
    for (const subscription of this.replayingUserStreams) subscription.deliver(event);
  }
}

function add(index: Map<Id, Set<Subscription>>, key: Id, subscription: Subscription): void {
  const streams = index.get(key);
  if (streams) streams.add(subscription);
  else index.set(key, new Set([subscription]));
}

function remove(index: Map<Id, Set<Subscription>>, key: Id, subscription: Subscription): void {
  const streams = index.get(key);
  if (!streams) return;
  streams.delete(subscription);
  if (streams.size === 0) index.delete(key);
}
