import type { Database } from 'better-sqlite3';
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
import { asStorageError } from './errors.js';
import { SqliteEventLog } from './event-log.js';
import { InlineWriter } from './inline-writer.js';
import { migrate } from './migrations.js';
import { openSqliteDatabase } from './open-database.js';
import { SqliteReads } from './reads.js';
import { type ThreadStarter, ThreadWriter } from './thread-writer.js';
import type { Writer } from './writer.js';
import { failureError, type WriteCommand, type WriteResult } from './writes.js';

export type { ThreadStarter };

export interface SqliteOptions {
  /** The time source (tests pass a fixed clock). */
  now?: Clock;
  /** How the writer's thread is started, when not from compiled code (see ThreadStarter). */
  startThread?: ThreadStarter;
  /**
   * Write on this thread, as an in-memory database must: for measuring a group commit alone, without
   * the hand-off to the writer's thread. The server always writes a file on a thread of its own.
   */
  writeOnThisThread?: boolean;
}

/**
 * Opens the embedded backend on a file (or `:memory:`), migrating its schema first. A file's writes run
 * on a thread of their own; an in-memory database, which only one connection can see, writes on this one.
 */
export function openSqliteStorage(file: string, options: SqliteOptions = {}): SqliteStorage {
  const db = openSqliteDatabase(file);
  migrate(db);
  const inline = file === ':memory:' || options.writeOnThisThread === true;
  const writer = inline ? new InlineWriter(db) : new ThreadWriter(file, options.startThread);
  return new SqliteStorage(db, writer, options.now);
}

/**
 * The embedded backend. Reads run on this thread's connection, which WAL lets read while the writer
 * commits; writes go to the writer, the only connection that writes, and are group-committed there.
 */
export class SqliteStorage implements Storage {
  private readonly reads: SqliteReads;
  private readonly events: SqliteEventLog;

  /** `db` is migrated (see openSqliteStorage), and `writer` writes to the same database. */
  constructor(
    private readonly db: Database,
    private readonly writer: Writer,
    private readonly now: Clock = Date.now,
  ) {
    this.reads = new SqliteReads(db);
    this.events = new SqliteEventLog(db, (chatIds) => this.reads.membersOf(chatIds));
  }

  /**
   * The schema is migrated when the storage is opened (statements are prepared against it); this
   * resolves once the writer can write too.
   */
  migrate(): Promise<void> {
    return this.writer.ready();
  }

  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult> {
    return this.write({ kind: 'addUser', username, idempotency, now: this.now() }) as Promise<AddUserResult>;
  }

  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    return this.write({ kind: 'addChat', name, memberIds, idempotency, now: this.now() }) as Promise<AddChatResult>;
  }

  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    const command: WriteCommand = { kind: 'addMessage', chatId, authorId, text, idempotency, now: this.now() };
    return this.write(command) as Promise<AddMessageResult>;
  }

  markRead(chatId: Id, userId: Id, messageId: Id | undefined): Promise<MarkReadResult> {
    return this.write({ kind: 'markRead', chatId, userId, messageId }) as Promise<MarkReadResult>;
  }

  chatsOfUser(userId: Id, page: ChatPage = {}): Promise<Chat[] | undefined> {
    return this.guard(() => this.reads.chatsOfUser(userId, page));
  }

  messageRun(chatId: Id, run: MessageRun): Promise<MessageRunResult> {
    return this.guard(() => this.reads.messageRun(chatId, run));
  }

  findUsers(query: UserQuery): Promise<User[]> {
    return this.guard(() => this.reads.findUsers(query));
  }

  /** Every write takes its position as it commits (see SqliteEventLog): nothing waits. */
  async sequenceEvents(): Promise<number> {
    return 0;
  }

  lastLogPosition(): Promise<number> {
    return this.guard(() => this.events.lastPosition());
  }

  eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
    return this.guard(() => this.events.eventsAfter(after, scope, limit));
  }

  chatIdsOfUser(userId: Id): Promise<Id[] | undefined> {
    return this.guard(() => {
      const user = BigInt(userId);
      const chatIds = this.events.chatIdsOfUser(user);
      return chatIds.length > 0 || this.reads.userExists(user) ? chatIds : undefined;
    });
  }

  chatExists(chatId: Id): Promise<boolean> {
    return this.guard(() => this.reads.chatExists(BigInt(chatId)));
  }

  forgetIdempotencyKeys(cutoff: number, limit: number): Promise<number> {
    return this.write({ kind: 'forgetKeys', cutoff, limit }) as Promise<number>;
  }

  ping(): Promise<void> {
    return this.guard(() => this.reads.ping());
  }

  figures(): StorageFigures {
    const { batches, writes } = this.writer.committed();
    return { writeBatches: { committed: batches, writes } };
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }

  private async write(command: WriteCommand): Promise<WriteResult> {
    const outcome = await this.writer.write(command);
    if ('failure' in outcome) throw failureError(outcome.failure);
    return outcome.value;
  }

  /** Runs a read, its failures told as the database's (see errors.ts). */
  private async guard<T>(run: () => T): Promise<T> {
    try {
      return run();
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
