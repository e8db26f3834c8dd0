import type { Storage } from '../chat/storage-port.js';
import type { LogEvent } from '../model/log-events.js';
import type { Signal } from './signal.js';

/** Events read per query, when following the log and when replaying it. */
export const LOG_PAGE = 1_000;

export interface LogFollowerOptions {
  /** How often the log is read and sequenced without a signal (a lost signal, a crashed writer). */
  pollMs: number;
  /** Told when the database cannot be read or sequenced (retried at the next poll): once per outage. */
  onError: (error: unknown) => void;
}

/**
 * Follows the event log for one process. After a write here, it sequences what was committed (see
 * Storage.sequenceEvents), signals the other processes, and reads the log from where it stopped; a
 * signal from another process, or the poll, makes it read too. Each event read is handed to `deliver`
 * once, in log order. One query per turn, whatever the number of streams.
 */
export class LogFollower {
  /** The last position read from the log and handed out; `undefined` until first read. */
  private position: number | undefined;
  private starting: Promise<number> | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private turning: Promise<void> | undefined;
  private turnAgain = false;
  private publishNext = false;
  private poll: NodeJS.Timeout | undefined;
  /** Whether the last turn failed: an outage is reported once, not every second. */
  private failing = false;

  constructor(
    private readonly storage: Storage,
    private readonly signal: Signal,
    private readonly deliver: (event: LogEvent) => void,
    private readonly options: LogFollowerOptions,
  ) {
    signal.onSignal(() => this.readLog());
  }

  /** The position the follower has read to, reading the log's head when it has not read yet. */
  started(): Promise<number> {
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

  /** The position read to, if reading has started. */
  get readTo(): number | undefined {
    return this.position;
  }

  /** A write committed here: give it its position, tell the other processes, and read it. */
  committed(): void {
    this.turn(true);
  }

  /** Someone listens: keep reading, by the poll when nothing else says to. */
  listen(): void {
    this.poll ??= setInterval(() => this.turn(false), this.options.pollMs).unref();
  }

  /** No one listens any more: the next listener starts from the log's head, not from where reading stopped. */
  idle(): void {
    this.position = undefined;
    this.stopPolling();
  }

  reportError(error: unknown): void {
    if (!this.failing) this.options.onError(error);
    this.failing = true;
  }

  async close(): Promise<void> {
    this.stopPolling();
    await Promise.allSettled([this.reading, this.turning]);
    await this.signal.close();
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
          this.reportError(error);
        }
        if (publishing) this.signal.publish();
        await this.readLog();
      } while (this.turnAgain);
    })().finally(() => {
      this.turning = undefined;
    });
  }

  /** Reads the log from the follower's position and hands out each event, one reader at a time. */
  private readLog(): Promise<void> {
    // With no one listening there is nothing to read; the next listener starts from the log's head.
    if (this.poll === undefined) {
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
            const events = await this.storage.eventsAfter(from, 'all', LOG_PAGE);
            for (const event of events) this.handOut(event);
            from = this.position ?? from;
            if (events.length < LOG_PAGE) break;
          }
          this.failing = false;
        } catch (error) {
          this.reportError(error);
        }
      } while (this.readAgain);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private handOut(event: LogEvent): void {
    if (this.position !== undefined && event.position <= this.position) return;
    this.position = event.position;
    this.deliver(event);
  }

  private stopPolling(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }
}
