import pg from 'pg';
import type { Chat, Id, Message } from '../../chat/model.js';
import type { AddChatResult, AddMessageResult, AddUserResult, Clock, Storage } from '../storage.js';
import { asStorageError, isUniqueViolation } from './errors.js';
import { migrate } from './migrations.js';
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
interface AddMessageRow {
  id: string | null;
  chat_exists: boolean;
  author_exists: boolean;
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

/** The network backend: a lazy pool of connections; each write is one statement or one transaction. */
export class PostgresStorage implements Storage {
  private readonly pool: pg.Pool;
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
  }

  migrate(): Promise<void> {
    return this.call(() => migrate(this.pool));
  }

  async addUser(username: string): Promise<AddUserResult> {
    try {
      const { rows } = await this.pool.query<{ id: string }>(statements.insertUser(username, iso(this.now())));
      return { ok: true, id: (rows[0] as { id: string }).id };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) return { ok: false, reason: 'username_taken' };
      throw asStorageError(error);
    }
  }

  async addChat(name: string, memberIds: readonly Id[]): Promise<AddChatResult> {
    try {
      return await inTransaction(this.pool, async (client): Promise<AddChatResult> => {
        const unknown = await client.query<{ id: string }>(statements.firstUnknownUser(memberIds));
        if (unknown.rows[0]) return { ok: false, reason: 'unknown_user', userId: unknown.rows[0].id };
        const chat = await client.query<{ id: string }>(statements.insertChat(name, iso(this.now())));
        const chatId = (chat.rows[0] as { id: string }).id;
        await client.query(statements.insertMembers(chatId, memberIds));
        return { ok: true, id: chatId };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'chats_name_key')) return { ok: false, reason: 'name_taken' };
      throw asStorageError(error);
    }
  }

  async addMessage(chatId: Id, authorId: Id, text: string): Promise<AddMessageResult> {
    const { rows } = await this.call(() =>
      this.pool.query<AddMessageRow>(statements.addMessage(chatId, authorId, text, iso(this.now()))),
    );
    const row = rows[0] as AddMessageRow;
    if (row.id !== null) return { ok: true, id: row.id };
    if (!row.chat_exists) return { ok: false, reason: 'unknown_chat' };
    return { ok: false, reason: row.author_exists ? 'not_a_member' : 'unknown_author' };
  }

  chatsOfUser(userId: Id): Promise<Chat[] | undefined> {
    return this.call(async () => {
      const { rows } = await this.pool.query<ChatRow>(statements.chatsOfUser(userId));
      if (rows.length === 0) return (await this.exists(statements.userExists(userId))) ? [] : undefined;
      return rows.map(chatFromRow);
    });
  }

  messagesOfChat(chatId: Id): Promise<Message[] | undefined> {
    return this.call(async () => {
      const { rows } = await this.pool.query<MessageRow>(statements.messagesOfChat(chatId));
      if (rows.length === 0 && !(await this.exists(statements.chatExists(chatId)))) return undefined;
      return rows.map(messageFromRow);
    });
  }

  async ping(): Promise<void> {
    await this.call(() => this.pool.query('SELECT 1'));
  }

  close(): Promise<void> {
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

/** A named statement: each connection prepares it once, then only sends its parameters. */
const named =
  <P extends unknown[]>(name: string, text: string) =>
  (...values: P): pg.QueryConfig => ({ name, text, values });

const statements = {
  insertUser: named<[username: string, createdAt: string]>(
    'parley_insert_user',
    'INSERT INTO users (username, created_at) VALUES ($1, $2) RETURNING id',
  ),
  userExists: named<[userId: Id]>('parley_user_exists', 'SELECT 1 FROM users WHERE id = $1::bigint'),
  chatExists: named<[chatId: Id]>('parley_chat_exists', 'SELECT 1 FROM chats WHERE id = $1::bigint'),
  // Members travel as one array parameter: a chat may have more members than a statement has parameters.
  firstUnknownUser: named<[memberIds: readonly Id[]]>(
    'parley_first_unknown_user',
    `SELECT m.id::text AS id
     FROM unnest($1::bigint[]) WITH ORDINALITY AS m (id, position)
     LEFT JOIN users AS u ON u.id = m.id
     WHERE u.id IS NULL
     ORDER BY m.position
     LIMIT 1`,
  ),
  insertChat: named<[name: string, createdAt: string]>(
    'parley_insert_chat',
    'INSERT INTO chats (name, created_at) VALUES ($1, $2) RETURNING id',
  ),
  insertMembers: named<[chatId: Id, memberIds: readonly Id[]]>(
    'parley_insert_members',
    `INSERT INTO chat_members (chat_id, user_id, position)
     SELECT $1::bigint, m.id, m.position - 1
     FROM unnest($2::bigint[]) WITH ORDINALITY AS m (id, position)`,
  ),
  // One statement, no transaction around it. The UPDATE takes the chat's row lock before the INSERT
  // draws the next message id, and the lock is held until the statement commits: within one chat, ids
  // are drawn and committed in order, and `created_at` (the chat's new last_message_at, never earlier
  // than its previous message even if the clock goes back) follows them. So (created_at, id) order is
  // commit order, which paging cursors and live resume rely on. A refused message writes nothing; the
  // EXISTS columns then say why (an unknown chat first, then an unknown author, else not a member).
  addMessage: named<[chatId: Id, authorId: Id, text: string, now: string]>(
    'parley_add_message',
    `WITH touched AS (
       UPDATE chats
       SET last_message_at = GREATEST($4::timestamptz, COALESCE(last_message_at, $4::timestamptz))
       WHERE id = $1::bigint
         AND EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1::bigint AND user_id = $2::bigint)
       RETURNING last_message_at
     ), inserted AS (
       INSERT INTO messages (chat_id, author_id, text, created_at)
       SELECT $1::bigint, $2::bigint, $3::text, last_message_at FROM touched
       RETURNING id
     )
     SELECT (SELECT id FROM inserted) AS id,
            EXISTS (SELECT 1 FROM chats WHERE id = $1::bigint) AS chat_exists,
            EXISTS (SELECT 1 FROM users WHERE id = $2::bigint) AS author_exists`,
  ),
  // Active chats by latest message, then quiet ones by creation, ties by id; newest first.
  chatsOfUser: named<[userId: Id]>(
    'parley_chats_of_user',
    `SELECT c.id, c.name, c.created_at, c.last_message_at,
            ARRAY(SELECT m.user_id::text FROM chat_members AS m WHERE m.chat_id = c.id ORDER BY m.position) AS users
     FROM chat_members AS mine
     JOIN chats AS c ON c.id = mine.chat_id
     WHERE mine.user_id = $1::bigint
     ORDER BY c.last_message_at IS NULL, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC`,
  ),
  messagesOfChat: named<[chatId: Id]>(
    'parley_messages_of_chat',
    `SELECT id, chat_id AS chat, author_id AS author, text, created_at
     FROM messages
     WHERE chat_id = $1::bigint
     ORDER BY created_at, id`,
  ),
};
