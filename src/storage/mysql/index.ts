import type { ResultSetHeader } from 'mysql2/promise';
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
import { refusedWith } from '../refusal.js';
import { parseMysqlUrl } from './connection-url.js';
import { toDatetime } from './datetime.js';
import { asStorageError } from './errors.js';
import * as eventLog from './event-log.js';
import { type Create, createOnce } from './idempotency.js';
import { migrate } from './migrations.js';
import * as reads from './reads.js';
import { SessionPool } from './session-pool.js';
import { limitValue, SQL } from './statements.js';
import { insertChat, insertMessage, insertUser, markRead } from './writes.js';

export interface MysqlStorageOptions {
  /** Connections kept open at most (default 10). */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;

/**
 * The MySQL / MariaDB backend (MySQL 5.7+, MariaDB 10.3+). Accepts `mysql://` and the seed's
 * `mysql+pymysql://` URLs. Nothing connects until the first call: the server may start before its
 * database, and `migrate()` is retried until the database answers. Every write is one transaction
 * (see writes.ts); a keyed one takes its key's turn first (see idempotency.ts).
 */
export class MysqlStorage implements Storage {
  private readonly pool: SessionPool;

  constructor(
    url: string,
    private readonly now: Clock = Date.now,
    options: MysqlStorageOptions = {},
  ) {
    this.pool = new SessionPool(parseMysqlUrl(url), options.poolSize ?? DEFAULT_POOL_SIZE);
  }

  migrate(): Promise<void> {
    return this.guard(() => this.pool.use(migrate));
  }

  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult> {
    return this.write(insertUser(username, this.now()), idempotency);
  }

  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    return this.write(insertChat(name, memberIds, this.now()), idempotency);
  }

  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    return this.write(insertMessage(chatId, authorId, text, this.now()), idempotency);
  }

  markRead(chatId: Id, userId: Id, messageId: Id | undefined): Promise<MarkReadResult> {
    return this.guard(() => this.pool.transaction((connection) => markRead(connection, chatId, userId, messageId)));
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
    return this.guard(() =>
      eventLog.eventsAfter(this.pool, after, scope, limit, (chatIds) => reads.membersOf(this.pool, chatIds)),
    );
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
    return this.guard(async () => {
      const values = [toDatetime(cutoff), limitValue(limit)];
      return (await this.pool.execute<ResultSetHeader>(SQL.forgetKeys, values)).affectedRows;
    });
  }

  ping(): Promise<void> {
    return this.guard(() => this.pool.use(async (connection) => void (await connection.query('SELECT 1'))));
  }

  figures(): StorageFigures {
    return { pool: this.pool.figures() };
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** A write in one transaction, or created once per key (see idempotency.ts); its refusals are its result. */
  private write<R>(create: Create, idempotency: IdempotencyKey | undefined): Promise<R> {
    return this.guard(
      () =>
        (idempotency
          ? createOnce(this.pool, idempotency, toDatetime(this.now()), create)
          : this.pool.transaction(create)) as Promise<R>,
    );
  }

  /** Runs a call: a refusal becomes its result, an outage `storage_unavailable` (see errors.ts). */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const refused = refusedWith<T>(error);
      if (refused !== undefined) return refused;
      throw asStorageError(error);
    }
  }
}
