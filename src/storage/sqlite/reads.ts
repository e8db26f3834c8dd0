import type { Database } from 'better-sqlite3';
import type { MessageRun, MessageRunResult, UserQuery } from '../../chat/storage-port.js';
import type { Chat, Id, User } from '../../model/entities.js';
import type { ChatPage } from '../../model/pages.js';
import { prefixUpperBound } from '../prefix-range.js';
import { chatOf, type MessageRow, membersByChat, messageOf, type UserRow, userOf } from '../rows.js';
import { prepareStatements, type SqliteStatements } from './statements.js';

interface ChatRow {
  id: string;
  name: string;
  created_at: number;
  last_message_at: number | null;
  last_read: string | null;
  unread: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** SQLite reads LIMIT -1 as no limit. */
const NO_LIMIT = -1;

/** The reads of the chat's API, on the reading connection (WAL lets it read while the writer commits). */
export class SqliteReads {
  private readonly statements: SqliteStatements;

  constructor(db: Database) {
    this.statements = prepareStatements(db);
  }

  chatsOfUser(userId: Id, page: ChatPage): Chat[] | undefined {
    const user = BigInt(userId);
    const limit = page.limit ?? NO_LIMIT;
    const after = page.after;
    const rows = (
      after
        ? this.statements.chatsOfUserAfter.all(user, Number(after.active), after.at, BigInt(after.id), limit)
        : this.statements.chatsOfUser.all(user, limit)
    ) as ChatRow[];
    if (rows.length === 0) return this.userExists(user) ? [] : undefined;
    const members = this.membersOf(rows.map((row) => row.id));
    return rows.map((row) =>
      chatOf(
        row,
        members.get(row.id) ?? [],
        iso(row.created_at),
        row.last_message_at === null ? null : iso(row.last_message_at),
        row,
      ),
    );
  }

  /**
   * A run is a range of messages_by_chat_id: a chat's `created_at, id` order is its id order (see
   * migration 4). A run from the start of a history asks whether the chat exists only when it finds nothing.
   */
  messageRun(chatId: Id, run: MessageRun): MessageRunResult {
    const chat = BigInt(chatId);
    const limit = run.limit ?? NO_LIMIT;
    const forward = run.direction === 'forward';
    if (run.from === undefined) {
      const rows = (forward ? this.statements.oldestMessages : this.statements.newestMessages).all(
        chat,
        limit,
      ) as (MessageRow & { created_at: number })[];
      if (rows.length === 0 && !this.chatExists(chat)) return { ok: false, reason: 'unknown_chat' };
      return { ok: true, messages: rows.map((row) => messageOf(row, iso(row.created_at))) };
    }
    if (!this.chatExists(chat)) return { ok: false, reason: 'unknown_chat' };
    const anchorChat = this.statements.messageChat.get(BigInt(run.from)) as string | undefined;
    if (anchorChat === undefined) return { ok: false, reason: 'unknown_message' };
    if (anchorChat !== chatId) return { ok: false, reason: 'foreign_message' };
    const rows = (forward ? this.statements.messagesAfter : this.statements.messagesBefore).all(
      chat,
      BigInt(run.from),
      limit,
    ) as (MessageRow & { created_at: number })[];
    return { ok: true, messages: rows.map((row) => messageOf(row, iso(row.created_at))) };
  }

  findUsers(query: UserQuery): User[] {
    const rows = (
      'ids' in query
        ? this.statements.usersById.all(`[${query.ids.join(',')}]`)
        : 'usernames' in query
          ? this.statements.usersByUsername.all(JSON.stringify(query.usernames))
          : this.usersWithPrefix(query.prefix, query.limit)
    ) as (UserRow & { created_at: number })[];
    return rows.map((row) => userOf(row, iso(row.created_at)));
  }

  private usersWithPrefix(prefix: string, limit: number): unknown[] {
    const bound = prefixUpperBound(prefix);
    return bound === undefined
      ? this.statements.usersFrom.all(prefix, limit)
      : this.statements.usersInRange.all(prefix, bound, limit);
  }

  chatExists(chat: bigint): boolean {
    return Boolean(this.statements.chatExists.get(chat));
  }

  userExists(user: bigint): boolean {
    return Boolean(this.statements.userExists.get(user));
  }

  /** The members of each chat named, in their order, in one read. */
  membersOf(chatIds: readonly Id[]): Map<Id, Id[]> {
    if (chatIds.length === 0) return new Map();
    return membersByChat(
      chatIds,
      this.statements.membersOfChats.iterate(`[${chatIds.join(',')}]`) as Iterable<{ chat: string; user: string }>,
    );
  }

  ping(): void {
    this.statements.ping.get();
  }
}
