import fs from 'node:fs';
import path from 'node:path';
import DatabaseConstructor, { type Database, SqliteError } from 'better-sqlite3';
import type { Chat, Id, Message } from '../../chat/model.js';
import { ParleyError } from '../../errors.js';
import type { AddChatResult, AddMessageResult, AddUserResult, Clock, Storage } from '../storage.js';
import { migrate } from './migrations.js';
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
  private readonly statements;

  constructor(
    private readonly db: Database,
    private readonly now: Clock = Date.now,
  ) {
    this.batch = new WriteBatch(db);
    migrate(db);
    this.statements = prepareStatements(db);
  }

  /** The schema is migrated when the storage is constructed: statements are prepared against it. */
  async migrate(): Promise<void> {}

  addUser(username: string): Promise<AddUserResult> {
    return this.write(() => {
      const info = this.statements.insertUser.run(username, this.now());
      return { ok: true, id: String(info.lastInsertRowid) } as const;
    });
  }

  addChat(name: string, memberIds: readonly Id[]): Promise<AddChatResult> {
    const members = `[${memberIds.join(',')}]`;
    return this.write(() => {
      const unknown = this.statements.firstUnknownUser.get(members) as { id: string } | undefined;
      if (unknown) throw new Refusal({ ok: false, reason: 'unknown_user', userId: unknown.id } as const);
      const chatId = this.statements.insertChat.run(name, this.now()).lastInsertRowid;
      this.statements.insertMembers.run(chatId, members);
      return { ok: true, id: String(chatId) } as const;
    });
  }

  addMessage(chatId: Id, authorId: Id, text: string): Promise<AddMessageResult> {
    const chat = BigInt(chatId);
    const author = BigInt(authorId);
    return this.write(() => {
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
      const id = this.statements.insertMessage.run(chat, author, text, createdAt).lastInsertRowid;
      this.statements.touchChat.run(createdAt, chat);
      return { ok: true, id: String(id) } as const;
    });
  }

  async chatsOfUser(userId: Id): Promise<Chat[] | undefined> {
    return this.read(() => {
      const user = BigInt(userId);
      const rows = this.statements.chatsOfUser.all(user) as ChatRow[];
      if (rows.length === 0) return this.statements.userExists.get(user) ? [] : undefined;
      const usersByChat = new Map<string, Id[]>(rows.map((row) => [row.id, []]));
      for (const member of this.statements.membersOfUsersChats.iterate(user) as Iterable<MemberRow>) {
        usersByChat.get(member.chat)?.push(member.user);
      }
      return rows.map((row) => chatFromRow(row, usersByChat.get(row.id) ?? []));
    });
  }

  async messagesOfChat(chatId: Id): Promise<Message[] | undefined> {
    return this.read(() => {
      const chat = BigInt(chatId);
      const rows = this.statements.messagesOfChat.all(chat) as MessageRow[];
      if (rows.length === 0 && !this.statements.chatExists.get(chat)) return undefined;
      return rows.map(messageFromRow);
    });
  }

  async ping(): Promise<void> {
    this.read(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    this.batch.drain();
    this.db.close();
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

function prepareStatements(db: Database) {
  const withBigIntRowids = <S extends { safeIntegers(on: boolean): S }>(statement: S) => statement.safeIntegers(true);
  return {
    insertUser: withBigIntRowids(db.prepare('INSERT INTO users (username, created_at) VALUES (?, ?)')),
    userExists: db.prepare('SELECT 1 FROM users WHERE id = ?').pluck(),
    chatExists: db.prepare('SELECT 1 FROM chats WHERE id = ?').pluck(),
    firstUnknownUser: db.prepare(
      `SELECT CAST(j.value AS TEXT) AS id FROM json_each(?) AS j
       LEFT JOIN users AS u ON u.id = j.value WHERE u.id IS NULL LIMIT 1`,
    ),
    insertChat: withBigIntRowids(db.prepare('INSERT INTO chats (name, created_at) VALUES (?, ?)')),
    insertMembers: db.prepare(
      'INSERT INTO chat_members (chat_id, user_id, position) SELECT ?, j.value, j.key FROM json_each(?) AS j',
    ),
    chatForAuthor: db.prepare(
      `SELECT c.last_message_at,
              EXISTS (SELECT 1 FROM chat_members AS m WHERE m.chat_id = c.id AND m.user_id = ?) AS member
       FROM chats AS c WHERE c.id = ?`,
    ),
    insertMessage: withBigIntRowids(
      db.prepare('INSERT INTO messages (chat_id, author_id, text, created_at) VALUES (?, ?, ?, ?)'),
    ),
    touchChat: db.prepare('UPDATE chats SET last_message_at = ? WHERE id = ?'),
    chatsOfUser: db.prepare(
      `SELECT CAST(c.id AS TEXT) AS id, c.name, c.created_at, c.last_message_at
       FROM chat_members AS m JOIN chats AS c ON c.id = m.chat_id
       WHERE m.user_id = ?
       ORDER BY c.last_message_at IS NULL, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC`,
    ),
    membersOfUsersChats: db.prepare(
      `SELECT CAST(m.chat_id AS TEXT) AS chat, CAST(m.user_id AS TEXT) AS user
       FROM chat_members AS mine JOIN chat_members AS m ON m.chat_id = mine.chat_id
       WHERE mine.user_id = ?
       ORDER BY m.chat_id, m.position`,
    ),
    messagesOfChat: db.prepare(
      `SELECT CAST(id AS TEXT) AS id, CAST(chat_id AS TEXT) AS chat, CAST(author_id AS TEXT) AS author,
              text, created_at
       FROM messages WHERE chat_id = ? ORDER BY created_at, id`,
    ),
  };
}
