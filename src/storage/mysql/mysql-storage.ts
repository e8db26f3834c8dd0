import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
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
import { parseMysqlUrl } from './connection-url.js';
import { isoFromDatetime, msFromDatetime, toDatetime } from './datetime.js';
import { asStorageError, isDuplicateKey } from './errors.js';
import { EVENT_SQL } from './event-statements.js';
import { type Create, createOnce } from './idempotency.js';
import { migrate } from './migrations.js';
import { chatPage, limitValue, type MessageAnchor, messagePage } from './page-statements.js';
import { sequenceEvents } from './sequencer.js';
import { type Connection, SessionPool } from './session-pool.js';
import { SQL } from './statements.js';

interface ChatRow extends RowDataPacket {
  id: string;
  name: string;
  created_at: string;
  last_message_at: string | null;
}
interface MessageRow extends RowDataPacket {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: string;
}
interface MemberRow extends RowDataPacket {
  chat_id: string;
  user_id: string;
}
interface ChatLockRow extends RowDataPacket {
  last_message_at: string | null;
  member: number;
}
interface PositionRow extends RowDataPacket {
  chat: string;
  at: string;
}

export interface MysqlStorageOptions {
  /** Connections kept open at most (default 10). */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;
/** Rows per statement when a chat has many members: few round trips, far below max_allowed_packet. */
const ROWS_PER_STATEMENT = 1_000;

/** A write refused by the chat's rules; thrown inside the transaction so that it is rolled back. */
class Refusal<T> {
  constructor(readonly result: T) {}
}

const UNKNOWN_CHAT = { ok: false, reason: 'unknown_chat' } as const;

const chatFromRow = (row: ChatRow, users: Id[]): Chat => ({
  id: String(row.id),
  name: row.name,
  users,
  created_at: isoFromDatetime(row.created_at),
  last_message_at: row.last_message_at === null ? null : isoFromDatetime(row.last_message_at),
});

const messageFromRow = (row: MessageRow): Message => ({
  id: String(row.id),
  chat: String(row.chat),
  author: String(row.author),
  text: row.text,
  created_at: isoFromDatetime(row.created_at),
});

/**
 * The MySQL / MariaDB backend (MySQL 5.7+, MariaDB 10.3+). Accepts `mysql://` and the seed's
 * `mysql+pymysql://` URLs. Nothing connects until the first call: the server may start before its
 * database, and `migrate()` is retried until the database answers.
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
    if (idempotency) return this.once(idempotency, (connection) => insertUser(connection, username, this.now()));
    return this.guard(async () => {
      try {
        const inserted = await this.pool.execute<ResultSetHeader>(SQL.insertUser, [username, toDatetime(this.now())]);
        return { ok: true, id: String(inserted.insertId) } as const;
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, reason: 'username_taken' } as const;
        throw error;
      }
    });
  }

  addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    const create: Create = async (connection) => {
      const members = memberIds.map((id) => BigInt(id));
      const unknown = await firstUnknownUser(connection, members);
      if (unknown !== undefined) throw new Refusal({ ok: false, reason: 'unknown_user', userId: unknown } as const);
      const chatId = await insertChat(connection, name, toDatetime(this.now()));
      await insertMembers(connection, chatId, members);
      return { ok: true, id: chatId };
    };
    return idempotency ? this.once(idempotency, create) : this.guard(() => this.pool.transaction(create));
  }

  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    const create: Create = async (connection) => {
      const [[chat]] = await connection.execute<ChatLockRow[]>(SQL.lockChatForAuthor, [authorId, chatId]);
      if (!chat) throw new Refusal({ ok: false, reason: 'unknown_chat' } as const);
      if (Number(chat.member) !== 1) {
        const [author] = await connection.execute<RowDataPacket[]>(SQL.userExists, [authorId]);
        throw new Refusal({ ok: false, reason: author.length > 0 ? 'not_a_member' : 'unknown_author' } as const);
      }
      // Never earlier than the chat's last message, even when the clock goes back.
      const previous = chat.last_message_at === null ? 0 : msFromDatetime(chat.last_message_at);
      const createdAt = toDatetime(Math.max(this.now(), previous));
      const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertMessage, [
        chatId,
        authorId,
        text,
        createdAt,
      ]);
      await connection.execute(SQL.touchChat, [createdAt, chatId]);
      return { ok: true, id: String(inserted.insertId) };
    };
    return idempotency ? this.once(idempotency, create) : this.guard(() => this.pool.transaction(create));
  }

  chatsOfUser(userId: Id, page: ChatPage = {}): Promise<Chat[] | undefined> {
    return this.guard(async () => {
      const { sql, values } = chatPage(userId, page.after, page.limit);
      const rows = await this.pool.execute<ChatRow[]>(sql, values);
      if (rows.length === 0) return (await this.exists(SQL.userExists, userId)) ? [] : undefined;
      // Read after the chats: a chat's members are committed with it, so every chat listed has them all.
      const whole = page.limit === undefined && page.after === undefined;
      const members = whole
        ? await this.membersOfUsersChats(userId)
        : await membersOf(
            this.pool,
            rows.map((row) => String(row.id)),
          );
      const usersByChat = new Map<string, Id[]>(rows.map((row) => [String(row.id), []]));
      for (const member of members) usersByChat.get(String(member.chat_id))?.push(String(member.user_id));
      return rows.map((row) => chatFromRow(row, usersByChat.get(String(row.id)) ?? []));
    });
  }

  messagesOfChat(chatId: Id, page: MessagePage = {}): Promise<MessagesResult> {
    return this.guard(async () => {
      const side = page.after !== undefined ? 'after' : page.before !== undefined ? 'before' : undefined;
      if (side === undefined && page.limit === undefined) {
        const rows = await this.pool.execute<MessageRow[]>(SQL.messagesOfChat, [chatId]);
        if (rows.length === 0 && !(await this.exists(SQL.chatExists, chatId))) return UNKNOWN_CHAT;
        return { ok: true, messages: rows.map(messageFromRow) };
      }
      if (!(await this.exists(SQL.chatExists, chatId))) return UNKNOWN_CHAT;
      let anchor: MessageAnchor | undefined;
      if (side !== undefined) {
        const id = page[side] as Id;
        const [position] = await this.pool.execute<PositionRow[]>(SQL.messagePosition, [id]);
        if (!position) return { ok: false, reason: 'unknown_message' };
        if (BigInt(position.chat) !== BigInt(chatId)) return { ok: false, reason: 'foreign_message' };
        anchor = { side, id, at: position.at };
      }
      // Messages are never deleted, so the anchor read above still holds for the page read below.
      const { sql, values, newestFirst } = messagePage(chatId, anchor, page.limit, page.fromStart);
      const messages = (await this.pool.execute<MessageRow[]>(sql, values)).map(messageFromRow);
      return { ok: true, messages: newestFirst ? messages.reverse() : messages };
    });
  }

  sequenceEvents(): Promise<number> {
    return this.guard(() => sequenceEvents(this.pool));
  }

  lastLogPosition(): Promise<number> {
    return this.guard(async () => {
      const [head] = await this.pool.execute<RowDataPacket[]>(EVENT_SQL.lastPosition, []);
      return Number(head?.position ?? 0);
    });
  }

  eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
    return this.guard(async () => {
      const from = String(after);
      const most = limitValue(limit);
      const [sql, values] =
        scope === 'all'
          ? [EVENT_SQL.allEvents, [from, most, from, most, most]]
          : 'chat' in scope
            ? [EVENT_SQL.chatEvents, [scope.chat, from, most]]
            : [EVENT_SQL.userEvents, [scope.user, from, most, scope.user, from, most, most]];
      const rows = (await this.pool.execute<(EventRow & RowDataPacket)[]>(sql, values)).map((row) => ({
        ...row,
        created_at: isoFromDatetime(row.created_at),
      }));
      const chatIds = chatIdsOf(rows);
      const usersByChat = new Map<Id, Id[]>(chatIds.map((id) => [id, []]));
      if (chatIds.length > 0) {
        for (const member of await membersOf(this.pool, chatIds)) {
          usersByChat.get(String(member.chat_id))?.push(String(member.user_id));
        }
      }
      return eventsFromRows(rows, usersByChat);
    });
  }

  chatIdsOfUser(userId: Id): Promise<Id[] | undefined> {
    return this.guard(async () => {
      const rows = await this.pool.execute<RowDataPacket[]>(EVENT_SQL.chatIdsOfUser, [userId]);
      if (rows.length === 0 && !(await this.exists(SQL.userExists, userId))) return undefined;
      return rows.map((row) => String(row.id));
    });
  }

  chatExists(chatId: Id): Promise<boolean> {
    return this.guard(() => this.exists(SQL.chatExists, chatId));
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

  /** Every member of every chat of the user, in one read: for the whole, unpaged list. */
  private membersOfUsersChats(userId: Id): Promise<MemberRow[]> {
    return this.pool.execute<MemberRow[]>(SQL.membersOfUsersChats, [userId]);
  }

  /** A keyed write: created once per key (see idempotency.ts), its refusals answered as results. */
  private once(idempotency: IdempotencyKey, create: Create) {
    return this.guard(() => createOnce(this.pool, idempotency, toDatetime(this.now()), create));
  }

  private async exists(sql: string, id: Id): Promise<boolean> {
    return (await this.pool.execute<RowDataPacket[]>(sql, [id])).length > 0;
  }

  /** Turns refusals into results and outages into `storage_unavailable`. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Refusal) return error.result as T;
      throw asStorageError(error);
    }
  }
}

/** The first of `members`, in their order, that is not a user; checked a chunk at a time. */
async function firstUnknownUser(connection: Connection, members: readonly bigint[]): Promise<Id | undefined> {
  for (const chunk of chunks(members)) {
    const [rows] = await connection.query<RowDataPacket[]>(SQL.knownUsers, [chunk]);
    const known = new Set(rows.map((row) => String(row.id)));
    const unknown = chunk.find((id) => !known.has(String(id)));
    if (unknown !== undefined) return String(unknown);
  }
  return undefined;
}

/** The members of the chats listed, each chat's in its order; read a chunk of chats at a time. */
function membersOf(pool: SessionPool, chatIds: readonly Id[]): Promise<MemberRow[]> {
  const ids = chatIds.map((id) => BigInt(id));
  return pool.use(async (connection) => {
    const members: MemberRow[] = [];
    for (const chunk of chunks(ids)) {
      const [rows] = await connection.query<MemberRow[]>(SQL.membersOfChats, [chunk]);
      members.push(...rows);
    }
    return members;
  });
}

async function insertUser(connection: Connection, username: string, now: number): Promise<{ ok: true; id: Id }> {
  try {
    const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertUser, [username, toDatetime(now)]);
    return { ok: true, id: String(inserted.insertId) };
  } catch (error) {
    if (isDuplicateKey(error)) throw new Refusal({ ok: false, reason: 'username_taken' } as const);
    throw error;
  }
}

async function insertChat(connection: Connection, name: string, createdAt: string): Promise<Id> {
  try {
    const [inserted] = await connection.execute<ResultSetHeader>(SQL.insertChat, [name, createdAt]);
    return String(inserted.insertId);
  } catch (error) {
    if (isDuplicateKey(error)) throw new Refusal({ ok: false, reason: 'name_taken' } as const);
    throw error;
  }
}

/** Multi-row INSERTs of client-side literals: their size varies, so they are not worth preparing. */
async function insertMembers(connection: Connection, chatId: Id, members: readonly bigint[]): Promise<void> {
  const chat = BigInt(chatId);
  let position = 0;
  for (const chunk of chunks(members)) {
    const rows = chunk.map((user) => [chat, user, position++]);
    await connection.query(SQL.insertMembers, [rows]);
  }
}

function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    yield items.slice(start, start + ROWS_PER_STATEMENT);
  }
}
