import type { Database } from 'better-sqlite3';
import type { Chat, Id, Message } from '../../chat/model.js';
import { chatIdsOf, type EventRow, eventsFromRows } from '../event-rows.js';
import type {
  AddChatResult,
  AddMessageResult,
  AddUserResult,
  ChatPage,
  Clock,
  EventScope,
  IdempotencyKey,
  LogEvent,
  MessagePage,
  MessagesResult,
  Storage,
  StorageFigures,
} from '../storage.js';
import { asStorageError } from './errors.js';
import { prepareEventStatements, type SqliteEventStatements } from './event-statements.js';
import { InlineWriter } from './inline-writer.js';
import { migrate } from './migrations.js';
import { openSqliteDatabase } from './open-database.js';
import { failureError, type WriteCommand, type WriteResult } from './sqlite-writes.js';
import { prepareStatements, type SqliteStatements } from './statements.js';
import { type ThreadStarter, ThreadWriter } from './thread-writer.js';
import type { Writer } from './writer.js';

interface ChatRow {
  id: string;
  name: string;
  created_at: number;
  last_message_at: number | null;
}
interface MessageRow {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: number;
}
interface MemberRow {
  chat: string;
  user: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

const messageFromRow = (row: MessageRow): Message => ({ ...row, created_at: iso(row.created_at) });

const chatFromRow = (row: ChatRow, users: Id[]): Chat => ({
  id: row.id,
  name: row.name,
  users,
  created_at: iso(row.created_at),
  last_message_at: row.last_message_at === null ? null : iso(row.last_message_at),
});

/** SQLite reads LIMIT -1 as no limit. */
const NO_LIMIT = -1;

/**
 * Opens the embedded backend on a file (or `:memory:`), migrating its schema first. A file's writes run
 * on a thread of their own; an in-memory database, which only one connection can see, writes on this one.
 */
export function openSqliteStorage(file: string, now: Clock = Date.now, startThread?: ThreadStarter): SqliteStorage {
  const db = openSqliteDatabase(file);
  migrate(db);
  const writer = file === ':memory:' ? new InlineWriter(db) : new ThreadWriter(file, startThread);
  return new SqliteStorage(db, writer, now);
}

/**
 * The embedded backend. Reads run on this thread's connection, which WAL lets read while the writer
 * commits; writes go to the writer, the only connection that writes, and are group-committed there.
 */
export class SqliteStorage implements Storage {
  private readonly statements: SqliteStatements;
  private readonly events: SqliteEventStatements;

  /** `db` is migrated (see openSqliteStorage), and `writer` writes to the same database. */
  constructor(
    private readonly db: Database,
    private readonly writer: Writer,
    private readonly now: Clock = Date.now,
  ) {
    this.statements = prepareStatements(db);
    this.events = prepareEventStatements(db);
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

  async chatsOfUser(userId: Id, page: ChatPage = {}): Promise<Chat[] | undefined> {
    return this.read(() => {
      const user = BigInt(userId);
      const limit = page.limit ?? NO_LIMIT;
      const rows = (
        page.after
          ? this.statements.chatsOfUserAfter.all(
              user,
              Number(page.after.active),
              page.after.at,
              BigInt(page.after.id),
              limit,
            )
          : this.statements.chatsOfUser.all(user, limit)
      ) as ChatRow[];
      if (rows.length === 0) return this.statements.userExists.get(user) ? [] : undefined;
      const usersByChat = this.membersOf(rows.map((row) => row.id));
      return rows.map((row) => chatFromRow(row, usersByChat.get(row.id) ?? []));
    });
  }

  async messagesOfChat(chatId: Id, page: MessagePage = {}): Promise<MessagesResult> {
    return this.read(() => {
      const chat = BigInt(chatId);
      const anchorId = page.after ?? page.before;
      if (anchorId === undefined && page.limit === undefined) {
        const rows = this.statements.messagesOfChat.all(chat) as MessageRow[];
        if (rows.length === 0 && !this.statements.chatExists.get(chat)) return { ok: false, reason: 'unknown_chat' };
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      if (!this.statements.chatExists.get(chat)) return { ok: false, reason: 'unknown_chat' };
      const anchorChat =
        anchorId === undefined ? undefined : (this.statements.messageChat.get(BigInt(anchorId)) as string | undefined);
      if (anchorId !== undefined && anchorChat === undefined) return { ok: false, reason: 'unknown_message' };
      if (anchorChat !== undefined && anchorChat !== chatId) return { ok: false, reason: 'foreign_message' };
      const limit = page.limit ?? NO_LIMIT;
      if (page.after !== undefined) {
        const rows = this.statements.messagesAfter.all(chat, BigInt(page.after), limit) as MessageRow[];
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      if (page.before === undefined && page.fromStart) {
        const rows = this.statements.oldestMessages.all(chat, limit) as MessageRow[];
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      const newestFirst = (
        page.before !== undefined
          ? this.statements.messagesBefore.all(chat, BigInt(page.before), limit)
          : this.statements.newestMessages.all(chat, limit)
      ) as MessageRow[];
      return { ok: true, messages: newestFirst.reverse().map(messageFromRow) };
    });
  }

  /** Every write takes its position as it commits (one connection writes, one write at a time): nothing waits. */
  async sequenceEvents(): Promise<number> {
    return 0;
  }

  async lastLogPosition(): Promise<number> {
    return this.read(() => this.events.lastPosition.get() as number);
  }

  async eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
    return this.read(() => {
      const statement =
        scope === 'all' ? this.events.allEvents : 'chat' in scope ? this.events.chatEvents : this.events.userEvents;
      const target = scope === 'all' ? null : 'chat' in scope ? BigInt(scope.chat) : BigInt(scope.user);
      const rows = (statement.all({ after, limit, scope: target }) as (EventRow & { created_at: number })[]).map(
        (row) => ({ ...row, created_at: iso(row.created_at) }),
      );
      return eventsFromRows(rows, this.membersOf(chatIdsOf(rows)));
    });
  }

  async chatIdsOfUser(userId: Id): Promise<Id[] | undefined> {
    return this.read(() => {
      const user = BigInt(userId);
      const chatIds = this.events.chatIdsOfUser.all(user) as Id[];
      return chatIds.length > 0 || this.statements.userExists.get(user) ? chatIds : undefined;
    });
  }

  async chatExists(chatId: Id): Promise<boolean> {
    return this.read(() => Boolean(this.statements.chatExists.get(BigInt(chatId))));
  }

  forgetIdempotencyKeys(cutoff: number, limit: number): Promise<number> {
    return this.write({ kind: 'forgetKeys', cutoff, limit }) as Promise<number>;
  }

  async ping(): Promise<void> {
    this.read(() => this.statements.ping.get());
  }

  figures(): StorageFigures {
    const { batches, writes } = this.writer.committed();
    return { writeBatches: { committed: batches, writes } };
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }

  /** The members of each chat named, in their order, in one read. */
  private membersOf(chatIds: readonly Id[]): Map<Id, Id[]> {
    const usersByChat = new Map<Id, Id[]>(chatIds.map((id) => [id, []]));
    if (chatIds.length === 0) return usersByChat;
    for (const member of this.statements.membersOfChats.iterate(`[${chatIds.join(',')}]`) as Iterable<MemberRow>) {
      usersByChat.get(member.chat)?.push(member.user);
    }
    return usersByChat;
  }

  private async write(command: WriteCommand): Promise<WriteResult> {
    const outcome = await this.writer.write(command);
    if ('failure' in outcome) throw failureError(outcome.failure);
    return outcome.value;
  }

  private read<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
