import fs from 'node:fs';
import path from 'node:path';
import DatabaseConstructor, { type Database, SqliteError } from 'better-sqlite3';
import type { Chat, Id, Message } from '../../chat/model.js';
import { ParleyError } from '../../errors.js';
import { chatIdsOf, type EventRow, eventsFromRows } from '../event-rows.js';
import type {
  AddChatResult,
  AddMessageResult,
  AddUserResult,
  ChatPage,
  Clock,
  EventScope,
  IdempotencyKey,
  KeyReused,
  LogEvent,
  MessagePage,
  MessagesResult,
  Storage,
  StorageFigures,
} from '../storage.js';
import { prepareEventStatements, type SqliteEventStatements } from './event-statements.js';
import { migrate } from './migrations.js';
import { prepareStatements, type SqliteStatements } from './statements.js';
import { WriteBatch } from './write-batch.js';

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

/** A write refused by the chat's rules; thrown inside the write so that its savepoint is rolled back. */
class Refusal<T> {
  constructor(readonly result: T) {}
}

/** Opens a SQLite file with durable settings: a resolved write survives a crash or power loss. */
export function openSqliteDatabase(file: string): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new DatabaseConstructor(file);
  db.pragma('journal_mode = WAL');
  // This build defaults WAL to synchronous=NORMAL, which may lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The embedded backend: one connection; writes are group-committed, reads run between batches. */
export class SqliteStorage implements Storage {
  private readonly batch: WriteBatch;
  private readonly statements: SqliteStatements;
  private readonly events: SqliteEventStatements;

  constructor(
    private readonly db: Database,
    private readonly now: Clock = Date.now,
  ) {
    this.batch = new WriteBatch(db);
    migrate(db);
    this.statements = prepareStatements(db);
    this.events = prepareEventStatements(db);
  }

  /** The schema is migrated when the storage is constructed: statements are prepared against it. */
  async migrate(): Promise<void> {}

  addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult> {
    return this.write(() =>
      this.once(idempotency, () => {
        const info = this.statements.insertUser.run(username, this.now());
        return { ok: true, id: String(info.lastInsertRowid) } as const;
      }),
    );
  }

  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    const members = `[${memberIds.join(',')}]`;
    return this.write(() =>
      this.once(idempotency, () => {
        const unknown = this.statements.firstUnknownUser.get(members) as { id: string } | undefined;
        if (unknown) throw new Refusal({ ok: false, reason: 'unknown_user', userId: unknown.id } as const);
        const position = this.nextLogPosition();
        const chatId = this.statements.insertChat.run(name, this.now(), position).lastInsertRowid;
        this.statements.insertMembers.run(chatId, members);
        return { ok: true, id: String(chatId) } as const;
      }),
    );
  }

  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    const chat = BigInt(chatId);
    const author = BigInt(authorId);
    return this.write(() =>
      this.once(idempotency, () => {
        const target = this.statements.chatForAuthor.get(author, chat) as
          | { last_message_at: number | null; member: number }
          | undefined;
        if (!target) throw new Refusal({ ok: false, reason: 'unknown_chat' } as const);
        if (!target.member) {
          const reason = this.statements.userExists.get(author) ? 'not_a_member' : 'unknown_author';
          throw new Refusal({ ok: false, reason } as const);
        }
        // Never earlier than the chat's last message: `created_at, id` order stays insertion order.
        const createdAt = Math.max(this.now(), target.last_message_at ?? 0);
        const position = this.nextLogPosition();
        const id = this.statements.insertMessage.run(chat, author, text, createdAt, position).lastInsertRowid;
        this.statements.touchChat.run(createdAt, chat);
        return { ok: true, id: String(id) } as const;
      }),
    );
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
      const anchor =
        anchorId === undefined
          ? undefined
          : (this.statements.messagePosition.get(BigInt(anchorId)) as { chat: string; at: number } | undefined);
      if (anchorId !== undefined && !anchor) return { ok: false, reason: 'unknown_message' };
      if (anchor && anchor.chat !== chatId) return { ok: false, reason: 'foreign_message' };
      const limit = page.limit ?? NO_LIMIT;
      if (page.after !== undefined && anchor) {
        const rows = this.statements.messagesAfter.all(chat, anchor.at, BigInt(page.after), limit) as MessageRow[];
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      if (anchor === undefined && page.fromStart) {
        const rows = this.statements.oldestMessages.all(chat, limit) as MessageRow[];
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      const newestFirst = (
        anchor && page.before !== undefined
          ? this.statements.messagesBefore.all(chat, anchor.at, BigInt(page.before), limit)
          : this.statements.newestMessages.all(chat, limit)
      ) as MessageRow[];
      return { ok: true, messages: newestFirst.reverse().map(messageFromRow) };
    });
  }

  /** Every write takes its position as it commits (the connection is the only writer): nothing waits. */
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
    return this.write(() => this.statements.forgetKeys.run(cutoff, limit).changes);
  }

  async ping(): Promise<void> {
    this.read(() => this.statements.ping.get());
  }

  figures(): StorageFigures {
    return { writeBatches: { committed: this.batch.committed.batches, writes: this.batch.committed.writes } };
  }

  async close(): Promise<void> {
    this.batch.drain();
    this.db.close();
  }

  /** The next position of the event log, taken inside the write (whose savepoint gives it back if refused). */
  private nextLogPosition(): number {
    this.events.advanceHead.run();
    return this.events.lastPosition.get() as number;
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

  /**
   * Creates at most once per idempotency key: a key seen before answers what it created the first
   * time (or a refusal, if the request differs); a new key is recorded with what it created.
   * The connection is the only writer, so no other request can slip in between.
   */
  private once<R extends { ok: true; id: Id } | { ok: false }>(
    idempotency: IdempotencyKey | undefined,
    create: () => R,
  ): R | KeyReused | { ok: true; id: Id } {
    if (idempotency === undefined) return create();
    const prior = this.statements.findKey.get(idempotency.key) as { fingerprint: string; id: string } | undefined;
    if (prior) return prior.fingerprint === idempotency.fingerprint ? { ok: true, id: prior.id } : KEY_REUSED;
    const result = create();
    if (result.ok) {
      this.statements.recordKey.run(idempotency.key, idempotency.fingerprint, BigInt(result.id), this.now());
    }
    return result;
  }

  private async write<T>(run: () => T): Promise<T> {
    try {
      return await this.batch.submit(run);
    } catch (error) {
      if (error instanceof Refusal) return error.result as T;
      if (isUniqueViolation(error, 'users.username')) return { ok: false, reason: 'username_taken' } as T;
      if (isUniqueViolation(error, 'chats.name')) return { ok: false, reason: 'name_taken' } as T;
      throw asStorageError(error);
    }
  }

  private read<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw asStorageError(error);
    }
  }
}

const KEY_REUSED: KeyReused = { ok: false, reason: 'key_reused' };

function isUniqueViolation(error: unknown, column: string): boolean {
  return error instanceof SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes(column);
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|CORRUPT|NOTADB)/;

/** The database failing (a full disk, a lock held too long) is an outage, not a bug of the request. */
function asStorageError(error: unknown): unknown {
  if (error instanceof SqliteError && UNAVAILABLE.test(error.code)) {
    return new ParleyError('storage_unavailable', `the database cannot be written or read (${error.code})`);
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new ParleyError('storage_unavailable', 'the database is closed');
  }
  return error;
}
