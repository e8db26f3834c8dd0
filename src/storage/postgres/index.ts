import pg from 'pg';
import type {
  AddChatResult,
  AddMessageResult,
  AddUserResult,
  Clock,
  IdempotencyKey,
  MarkReadResult,
  MessageRun,
  MessageRunResult,
  Storage,
  StorageFigures,
  UserQuery,
} from '../../chat/storage-port.js';
import type { Chat, Id, User } from '../../model/entities.js';
import type { EventScope, LogEvent } from '../../model/log-events.js';
import type { ChatPage } from '../../model/pages.js';
import { asStorageError, isUniqueViolation } from './errors.js';
import * as eventLog from './event-log.js';
import { MessageBatch } from './message-batch.js';
import { migrate } from './migrations.js';
import * as reads from './reads.js';
import * as writes from './writes.js';

export interface PostgresOptions {
  /** The most connections this process opens; 10 unless given. */
  poolSize?: number;
}

/** How long a call waits for a connection before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5000;

// Times go in as ISO strings: a float of seconds (to_timestamp) would lose the millisecond.
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The network backend: a lazy pool of connections; each write is one statement or one transaction.
 * A write with an idempotency key is one transaction that claims the key first (see createOnce). The
 * messages without a key of one turn of the event loop share one statement (see MessageBatch).
 */
export class PostgresStorage implements Storage {
  private readonly pool: pg.Pool;
  private readonly messages: MessageBatch;
  private ended: Promise<void> | undefined;

  /** Connects on first use, not here: the server may start before its database is up. */
  constructor(
    url: string,
    private readonly now: Clock = Date.now,
    options: PostgresOptions = {},
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'parley',
    });
    // An idle connection that dies (a server restart) is dropped by the pool and reopened on demand;
    // unheard, its error would crash the process.
    this.pool.on('error', () => {});
    this.messages = new MessageBatch(this.pool, () => iso(this.now()));
  }

  migrate(): Promise<void> {
    return this.guard(() => migrate(this.pool));
  }

  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult> {
    return this.guard(async () => {
      try {
        return await writes.addUser(this.pool, username, iso(this.now()), idempotency);
      } catch (error) {
        if (isUniqueViolation(error, writes.NAME_CONSTRAINTS.user)) return { ok: false, reason: 'username_taken' };
        throw error;
      }
    });
  }

  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    return this.guard(async () => {
      try {
        return await writes.addChat(this.pool, name, memberIds, iso(this.now()), idempotency);
      } catch (error) {
        if (isUniqueViolation(error, writes.NAME_CONSTRAINTS.chat)) return { ok: false, reason: 'name_taken' };
        throw error;
      }
    });
  }

  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    const message = { chatId, authorId, text };
    // The batch reports its own failures, message by message (see MessageBatch).
    if (!idempotency) return this.messages.add(message);
    return this.guard(() => writes.addMessage(this.pool, this.messages, message, iso(this.now()), idempotency));
  }

  markRead(chatId: Id, userId: Id, messageId: Id | undefined): Promise<MarkReadResult> {
    return this.guard(() => writes.markRead(this.pool, chatId, userId, messageId));
  }

  chatsOfUser(userId: Id, page: ChatPage = {}): Promise<Chat[] | undefined> {
    return this.guard(() => reads.chatsOfUser(this.pool, userId, page));
  }

  messageRun(chatId: Id, run: MessageRun): Promise<MessageRunResult> {
    return this.guard(() => reads.messageRun(this.pool, chatId, run));
  }

  findUsers(query: UserQuery): Promise<User[]> {
    return this.guard(() => reads.findUsers(this.pool, query));
  }

  sequenceEvents(): Promise<number> {
    return this.guard(() => eventLog.sequenceEvents(this.pool));
  }

  lastLogPosition(): Promise<number> {
    return this.guard(() => eventLog.lastLogPosition(this.pool));
  }

  eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
    return this.guard(() => eventLog.eventsAfter(this.pool, after, scope, limit));
  }

  chatIdsOfUser(userId: Id): Promise<Id[] | undefined> {
    return this.guard(async () => {
      const chatIds = await eventLog.chatIdsOfUser(this.pool, userId);
      if (chatIds.length === 0 && !(await reads.userExists(this.pool, userId))) return undefined;
      return chatIds;
    });
  }

  chatExists(chatId: Id): Promise<boolean> {
    return this.guard(() => reads.chatExists(this.pool, chatId));
  }

  forgetIdempotencyKeys(cutoff: number, limit: number): Promise<number> {
    return this.guard(() => writes.forgetIdempotencyKeys(this.pool, iso(cutoff), limit));
  }

  async ping(): Promise<void> {
    await this.guard(() => this.pool.query('SELECT 1'));
  }

  figures(): StorageFigures {
    const { options, totalCount, idleCount, waitingCount } = this.pool;
    return {
      writeBatches: { committed: this.messages.sent.statements, writes: this.messages.sent.messages },
      pool: { size: options.max, inUse: totalCount - idleCount, waiting: waitingCount },
    };
  }

  close(): Promise<void> {
    if (!this.ended) this.messages.drain();
    this.ended ??= this.pool.end();
    return this.ended;
  }

  /** Runs a call, its failures told as the database's (see errors.ts). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
