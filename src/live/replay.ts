import type { Storage } from '../chat/storage-port.js';
import { LOG_PAGE } from './log-follower.js';
import type { Subscription } from './subscription.js';

/** A resume position a client sent, as far as it can be trusted before asking the database. */
export type ResumePoint = number | 'none' | 'malformed';

export function resumePointOf(lastEventId: string | undefined): ResumePoint {
  if (lastEventId === undefined || lastEventId === '') return 'none';
  if (!/^[0-9]{1,15}$/.test(lastEventId)) return 'malformed';
  return Number(lastEventId);
}

export interface ReplayLimits {
  /** Events one resume may replay; further behind, the client is told to re-read (`reset`). */
  replayLimit: number;
  /** The position the process has read the log to: where a reset stream goes on from. */
  head: () => Promise<number>;
}

/**
 * Sends a resuming stream what it missed, from the database, a page at a time and at the client's pace;
 * a position the log never gave, or one too far behind, gets a reset instead. The live events that
 * arrive meanwhile wait in the subscription's queue.
 */
export async function replayMissed(
  storage: Storage,
  subscription: Subscription,
  resume: ResumePoint,
  limits: ReplayLimits,
): Promise<void> {
  if (resume === 'malformed') {
    subscription.reset(await limits.head(), 'the last event id is not one this server gave');
    return;
  }
  if (typeof resume === 'number') {
    const last = await storage.lastLogPosition();
    if (resume > last) {
      subscription.reset(last, 'the last event id is ahead of the log');
      return;
    }
  }
  let replayed = 0;
  for (;;) {
    const events = await storage.eventsAfter(subscription.lastSent, subscription.scope, LOG_PAGE);
    if (subscription.isClosed) return;
    replayed += events.length;
    if (replayed > limits.replayLimit) {
      subscription.reset(await limits.head(), `more than ${limits.replayLimit} events were missed`);
      return;
    }
    for (const event of events) subscription.replay(event);
    if (events.length < LOG_PAGE) return;
    await subscription.drained();
  }
}
