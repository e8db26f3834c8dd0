import pg from 'pg';
import type { Chat, Id, Message } from '../../chat/model.js';
import { type EventRow, eventsFromRows } from '../event-rows.js';
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
import { asStorageError, isUniqueViolation } from './errors.js';
import { eventStatements } from './event-statements.js';
import { createOnce } from './idempotency.js';
import { addOneMessage, MessageBatch } from './message-batch.js';
import { migrate } from './migrations.js';
import { sequenceEvents } from './sequencer.js';
import { type Queryable, statements } from './statements.js';
import { inTransaction } from './transaction.js';

export interface PostgresOptions {
  /** The most connections this process opens; 10 unless given. */
  poolSize?: number;
}

/** How long a call waits for a connection before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5000;

interface ChatRow {
  id: string;
  name: string;
  users: string[];
  created_at: Date;
  last_message_at: Date | null;
}
interface MessageRow {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: Date;
}
interface EventRowOfPostgres extends Omit<EventRow, 'created_at'> {
  created_at: Date;
  users: string[] | null;
}
interface AnchorRow {
  chat_exists: boolean;
  in_chat: boolean | null;
  at: Date | null;
}

// Times go in as ISO strings: a float of seconds (to_timestamp) would lose the millisecond.
const iso = (ms: number) => new Date(ms).toISOString();

const chatFromRow = (row: ChatRow): Chat => ({
  id: row.id,
  name: row.name,
  users: row.users,
  created_at: row.created_at.toISOString(),
  last_message_at: row.last_message_at?.toISOString() ?? null,
});

const messageFromRow = (row: MessageRow): Message => ({ ...row, created_at: row.created_at.toISOString() });

const messagesFound = (rows: MessageRow[]): MessagesResult => ({ ok: true, messages: rows.map(messageFromRow) });

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
    return this.call(() => migrate(this.pool));
  }

  async addUser(username: string, idempotency?: IdempotencyKey): Promise<AddUserResult> {
    const now = iso(this.now());
    const insert = async (db: Queryable): Promise<AddUserResult> => {
      const { rows } = await db.query<{ id: string }>(statements.insertUser(username, now));
      return { ok: true, id: (rows[0] as { id: string }).id };
    };
    try {
      return await (idempotency ? createOnce(this.pool, idempotency, now, insert) : insert(this.pool));
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) return { ok: false, reason: 'username_taken' };
      throw asStorageError(error);
    }
  }

  async addChat(name: string, memberIds: readonly Id[], idempotency?: IdempotencyKey): Promise<AddChatResult> {
    const now = iso(this.now());
    const create = async (client: pg.PoolClient): Promise<AddChatResult> => {
      const unknown = await client.query<{ id: string }>(statements.firstUnknownUser(memberIds));
      if (unknown.rows[0]) return { ok: false, reason: 'unknown_user', userId: unknown.rows[0].id };
      const chat = await client.query<{ id: string }>(statements.insertChat(name, now));
      const chatId = (chat.rows[0] as { id: string }).id;
      await client.query(statements.insertMembers(chatId, memberIds));
      return { ok: true, id: chatId };
    };
    try {
      return await (idempotency ? createOnce(this.pool, idempotency, now, create) : inTransaction(this.pool, create));
    } catch (error) {
      if (isUniqueViolation(error, 'chats_name_key')) return { ok: false, reason: 'name_taken' };
      throw asStorageError(error);
    }
  }

  /** With an idempotency key, one statement inside the key's transaction; without, the turn's batch. */
  addMessage(chatId: Id, authorId: Id, text: string, idempotency?: IdempotencyKey): Promise<AddMessageResult> {
    const message = { chatId, authorId, text };
    if (!idempotency) return this.messages.add(message);
    const now = iso(this.now());
    return this.call(() => createOnce(this.pool, idempotency, now, (client) => addOneMessage(client, message, now)));
  }

  chatsOfUser(userId: Id, { limit, after }: ChatPage = {}): Promise<Chat[] | undefined> {
    return this.call(async () => {
      const query = after
        ? statements.chatsOfUserAfter(userId, after.active, iso(after.at), after.id, limit ?? null)
        : statements.chatsOfUser(userId, limit ?? null);
      const { rows } = await this.pool.query<ChatRow>(query);
      if (rows.length === 0) return (await this.exists(statements.userExists(userId))) ? [] : undefined;
      return rows.map(chatFromRow);
    });
  }

  messagesOfChat(chatId: Id, page: MessagePage = {}): Promise<MessagesResult> {
    return this.call(async () => {
      const anchorId = page.after ?? page.before;
      if (anchorId === undefined) {
        const newestFirst = page.limit !== undefined && !page.fromStart;
        const { rows } = await this.pool.query<MessageRow>(
          page.limit === undefined
            ? statements.messagesOfChat(chatId)
            : newestFirst
              ? statements.newestMessages(chatId, page.limit)
              : statements.oldestMessages(chatId, page.limit),
        );
        if (rows.length === 0 && !(await this.exists(statements.chatExists(chatId)))) {
          return { ok: false, reason: 'unknown_chat' };
        }
        return messagesFound(newestFirst ? rows.reverse() : rows);
      }
      const { rows } = await this.pool.query<AnchorRow>(statements.pageAnchor(chatId, anchorId));
      const anchor = rows[0] as AnchorRow;
      if (!anchor.chat_exists) return { ok: false, reason: 'unknown_chat' };
      if (anchor.at === null) return { ok: false, reason: 'unknown_message' };
      if (!anchor.in_chat) return { ok: false, reason: 'foreign_message' };
      const at = anchor.at.toISOString();
      const limit = page.limit ?? null;
      const forward = page.after !== undefined;
      const { rows: pageRows } = await this.pool.query<MessageRow>(
        forward
          ? statements.messagesAfter(chatId, at, anchorId, limit)
          : statements.messagesBefore(chatId, at, anchorId, limit),
      );
      // A page before the anchor is read newest first (see messagesBefore).
      return messagesFound(forward ? pageRows : pageRows.reverse());
    });
  }

  sequenceEvents(): Promise<number> {
    return this.call(() => sequenceEvents(this.pool));
  }

  lastLogPosition(): Promise<number> {
    return this.call(async () => {
      const { rows } = await this.pool.query<{ position: string }>(eventStatements.lastPosition());
      return Number(rows[0]?.position ?? 0);
    });
  }

  eventsAfter(after: number, scope: EventScope, limit: number): Promise<LogEvent[]> {
    return this.call(async () => {
      const query =
        scope === 'all'
          ? eventStatements.allEvents(after, limit)
          : 'chat' in scope
            ? eventStatements.chatEvents(after, limit, scope.chat)
            : eventStatements.userEvents(after, limit, scope.user);
      const { rows } = await this.pool.query<EventRowOfPostgres>(query);
      const members = new Map(rows.flatMap((row) => (row.kind === 'chat' ? [[row.id, row.users ?? []]] : [])));
      return eventsFromRows(
        rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() })),
        members,
      );
    });
  }

  chatIdsOfUser(userId: Id): Promise<Id[] | undefined> {
    return this.call(async () => {
      const { rows } = await this.pool.query<{ id: string }>(eventStatements.chatIdsOfUser(userId));
      if (rows.length === 0 && !(await this.exists(statements.userExists(userId)))) return undefined;
      return rows.map((row) => row.id);
    });
  }

  chatExists(chatId: Id): Promise<boolean> {
    return this.call(() => this.exists(statements.chatExists(chatId)));
  }

  async forgetIdempotencyKeys(cutoff: number, limit: number): Promise<number> {
    const result = await this.call(() => this.pool.query(statements.forgetKeys(iso(cutoff), limit)));
    return result.rowCount ?? 0;
  }

  async ping(): Promise<void> {
    await this.call(() => this.pool.query('SELECT 1'));
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

  private async exists(query: pg.QueryConfig): Promise<boolean> {
    return (await this.pool.query(query)).rows.length > 0;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
