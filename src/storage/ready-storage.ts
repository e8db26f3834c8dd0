import type { Storage } from '../chat/storage-port.js';
import { unavailable } from '../model/errors.js';

const RETRY_MS = 1000;

const notReachableYet = () => unavailable('the database is not reachable yet; retry shortly');

/**
 * Serves a network database that may not be up yet (the seed starts the server and its database
 * together). Until the schema is migrated every call fails as unavailable (503); a background retry
 * migrates as soon as the database answers, and from then on calls go straight through. A database
 * that goes away later is the backend's to report, call by call.
 */
export class ReadyStorage implements Storage {
  private ready = false;
  private attempt: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly backend: Storage,
    private readonly onMigrationError: (error: unknown) => void = () => {},
  ) {
    this.migrate().catch(() => {});
  }

  migrate(): Promise<void> {
    this.attempt ??= this.backend.migrate().then(
      () => {
        this.ready = true;
      },
      (error: unknown) => {
        this.attempt = undefined;
        this.onMigrationError(error);
        this.retry ??= setTimeout(() => {
          this.retry = undefined;
          this.migrate().catch(() => {});
        }, RETRY_MS).unref();
        throw notReachableYet();
      },
    );
    return this.attempt;
  }

  get isReady(): boolean {
    return this.ready;
  }

  addUser: Storage['addUser'] = (...args) => this.whenReady(() => this.backend.addUser(...args));
  addChat: Storage['addChat'] = (...args) => this.whenReady(() => this.backend.addChat(...args));
  addMessage: Storage['addMessage'] = (...args) => this.whenReady(() => this.backend.addMessage(...args));
  markRead: Storage['markRead'] = (...args) => this.whenReady(() => this.backend.markRead(...args));
  chatsOfUser: Storage['chatsOfUser'] = (...args) => this.whenReady(() => this.backend.chatsOfUser(...args));
  messageRun: Storage['messageRun'] = (...args) => this.whenReady(() => this.backend.messageRun(...args));
  findUsers: Storage['findUsers'] = (...args) => this.whenReady(() => this.backend.findUsers(...args));
  forgetIdempotencyKeys: Storage['forgetIdempotencyKeys'] = (...args) =>
    this.whenReady(() => this.backend.forgetIdempotencyKeys(...args));
  sequenceEvents: Storage['sequenceEvents'] = () => this.whenReady(() => this.backend.sequenceEvents());
  lastLogPosition: Storage['lastLogPosition'] = () => this.whenReady(() => this.backend.lastLogPosition());
  eventsAfter: Storage['eventsAfter'] = (...args) => this.whenReady(() => this.backend.eventsAfter(...args));
  chatIdsOfUser: Storage['chatIdsOfUser'] = (...args) => this.whenReady(() => this.backend.chatIdsOfUser(...args));
  chatExists: Storage['chatExists'] = (...args) => this.whenReady(() => this.backend.chatExists(...args));
  ping: Storage['ping'] = () => this.whenReady(() => this.backend.ping());
  figures: Storage['figures'] = () => this.backend.figures();

  async close(): Promise<void> {
    clearTimeout(this.retry);
    await this.backend.close();
  }

  private async whenReady<T>(call: () => Promise<T>): Promise<T> {
    if (!this.ready) {
      // After a failed attempt, answer at once and leave the next attempt to the retry timer.
      if (this.attempt === undefined && this.retry !== undefined) throw notReachableYet();
      await this.migrate();
    }
    return call();
  }
}
