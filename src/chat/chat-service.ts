import type { Chat, Id, Message, ReadState, User } from '../model/entities.js';
import { conflict, invalid, notFound, ParleyError } from '../model/errors.js';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.js';
import { chatPosition } from './chat-position.js';
import { type CommitListener, NO_LISTENER } from './commit-listener.js';
import { fingerprint } from './fingerprint.js';
import { HistoryReader } from './history-pages.js';
import { canonicalId } from './ids.js';
import type { PostRefusal } from './post-rules.js';
import type { ReadRefusal } from './read-rules.js';
import type { IdempotencyKey, Storage } from './storage-port.js';
import { askedIds, DEFAULT_PREFIX_LIMIT, inOrderAsked } from './user-lookup.js';

/** An id as a client may send it. */
export type IdInput = string | number;

export interface ChatListQuery {
  limit?: number;
  cursor?: string;
}

export interface ChatList {
  chats: Chat[];
  /** Where the next page starts, when more chats follow a limited page. */
  nextCursor?: string;
}

export interface MessageQuery {
  limit?: number;
  before?: IdInput;
  after?: IdInput;
}

/** Users by id, by username, or by the start of their username (at most `limit`, 20 unless given). */
export type UserLookup =
  | { ids: readonly IdInput[] }
  | { usernames: readonly string[] }
  | { prefix: string; limit?: number };

/** The chat's rules: what may be created, by whom, and what each refusal means. Knows no HTTP. */
export class ChatService {
  constructor(
    private readonly storage: Storage,
    private readonly commits: CommitListener = NO_LISTENER,
  ) {}

  async addUser(username: string, key?: string): Promise<Id> {
    const result = await this.storage.addUser(username, guard(key, 'users/add', username));
    if (result.ok) return result.id;
    if (result.reason === 'key_reused') throw keyReused(key);
    throw conflict(`username ${JSON.stringify(username)} is taken`);
  }

  /** The users asked for that exist: by ids or usernames in the order asked, each once; by prefix in username order. */
  async findUsers(lookup: UserLookup): Promise<User[]> {
    if ('prefix' in lookup) {
      return this.storage.findUsers({ prefix: lookup.prefix, limit: lookup.limit ?? DEFAULT_PREFIX_LIMIT });
    }
    if ('ids' in lookup) {
      const ids = askedIds(lookup.ids);
      if (ids.length === 0) return [];
      return inOrderAsked(ids, await this.storage.findUsers({ ids }), (user) => user.id);
    }
    const usernames = [...new Set(lookup.usernames)];
    return inOrderAsked(usernames, await this.storage.findUsers({ usernames }), (user) => user.username);
  }

  async addChat(name: string, users: readonly IdInput[], key?: string): Promise<Id> {
    const members = distinctMembers(users);
    if (members.length < 2) throw invalid(`users must name at least 2 distinct users, got ${members.length}`);
    const unknown = members.find((member) => member.id === undefined);
    if (unknown !== undefined) throw notFound(`user ${unknown.raw} does not exist`);
    const memberIds = members.map((member) => member.id as Id);
    const result = await this.storage.addChat(name, memberIds, guard(key, 'chats/add', name, memberIds));
    if (result.ok) {
      this.commits.committed();
      return result.id;
    }
    if (result.reason === 'key_reused') throw keyReused(key);
    if (result.reason === 'name_taken') throw conflict(`chat name ${JSON.stringify(name)} is taken`);
    throw notFound(`user ${result.userId} does not exist`);
  }

  async addMessage(chat: IdInput, author: IdInput, text: string, key?: string): Promise<Id> {
    const chatId = canonicalId(chat);
    if (chatId === undefined) throw notFound(`chat ${chat} does not exist`);
    const authorId = canonicalId(author);
    if (authorId === undefined) throw notFound(`user ${author} does not exist`);
    const result = await this.storage.addMessage(
      chatId,
      authorId,
      text,
      guard(key, 'messages/add', chatId, authorId, text),
    );
    if (result.ok) {
      this.commits.committed();
      return result.id;
    }
    if (result.reason === 'key_reused') throw keyReused(key);
    throw postRefused(result.reason, chatId, authorId);
  }

  /**
   * Moves a member's read marker forward to a message of the chat, or to its newest without one; never
   * back. A move is an event of the log (read receipts, and a second device's badge).
   */
  async markRead(chat: IdInput, user: IdInput, message?: IdInput | null): Promise<ReadState> {
    const chatId = canonicalId(chat);
    if (chatId === undefined) throw notFound(`chat ${chat} does not exist`);
    const userId = canonicalId(user);
    if (userId === undefined) throw notFound(`user ${user} does not exist`);
    const messageId = message === undefined || message === null ? undefined : canonicalId(message);
    if (message !== undefined && message !== null && messageId === undefined) {
      throw notFound(`message ${message} does not exist`);
    }
    const result = await this.storage.markRead(chatId, userId, messageId);
    if (!result.ok) throw readRefused(result.reason, chatId, userId, messageId);
    if (result.moved) this.commits.committed();
    return result.state;
  }

  async chatsOfUser(user: IdInput, query: ChatListQuery = {}): Promise<ChatList> {
    const userId = canonicalId(user);
    if (userId === undefined) throw notFound(`user ${user} does not exist`);
    const after = query.cursor === undefined ? undefined : decodeChatCursor(query.cursor, userId);
    // One chat more than asked tells whether another page follows.
    const limit = query.limit === undefined ? undefined : query.limit + 1;
    const chats = await this.storage.chatsOfUser(userId, { limit, after });
    if (chats === undefined) throw notFound(`user ${userId} does not exist`);
    if (query.limit === undefined || chats.length <= query.limit) return { chats };
    const page = chats.slice(0, query.limit);
    return { chats: page, nextCursor: encodeChatCursor(userId, chatPosition(page.at(-1) as Chat)) };
  }

  /**
   * A page of a chat's history, or, without `limit`, the whole of it (on that side of `before` or
   * `after`) as chunks read one bounded page at a time, so that a long history is never held in memory
   * whole. Bad anchors and unknown chats are refused before the first message is given.
   */
  async messagesOfChat(chat: IdInput, query: MessageQuery = {}): Promise<Message[] | AsyncIterable<Message[]>> {
    const chatId = canonicalId(chat);
    if (chatId === undefined) throw notFound(`chat ${chat} does not exist`);
    if (query.before !== undefined && query.after !== undefined) {
      throw invalid('before and after cannot be used together: page one way at a time');
    }
    const [side, anchor] =
      query.before !== undefined ? (['before', query.before] as const) : (['after', query.after] as const);
    const anchorId = anchor === undefined ? undefined : canonicalId(anchor);
    if (anchor !== undefined && anchorId === undefined) throw invalid(`${side}: message ${anchor} does not exist`);
    const history = new HistoryReader(this.storage, chatId, side, anchorId);
    if (query.limit === undefined) return history.whole();
    return history.page({ limit: query.limit, [side]: anchorId });
  }
}

function guard(key: string | undefined, method: string, ...inputs: (string | string[])[]): IdempotencyKey | undefined {
  return key === undefined ? undefined : { key, fingerprint: fingerprint(method, ...inputs) };
}

const keyReused = (key: string | undefined) =>
  new ParleyError(
    'idempotency_key_reused',
    `Idempotency-Key ${JSON.stringify(key)} was first used for a different request; use a new key for a new request`,
  );

function postRefused(refusal: PostRefusal, chatId: Id, authorId: Id): ParleyError {
  switch (refusal) {
    case 'unknown_chat':
      return notFound(`chat ${chatId} does not exist`);
    case 'unknown_author':
      return notFound(`user ${authorId} does not exist`);
    case 'not_a_member':
      return new ParleyError('not_a_member', `user ${authorId} is not a member of chat ${chatId}`);
  }
}

function readRefused(refusal: ReadRefusal, chatId: Id, userId: Id, messageId: Id | undefined): ParleyError {
  switch (refusal) {
    case 'unknown_chat':
      return notFound(`chat ${chatId} does not exist`);
    case 'unknown_user':
      return notFound(`user ${userId} does not exist`);
    case 'unknown_message':
      return notFound(`message ${messageId} does not exist`);
    case 'not_a_member':
      return new ParleyError('not_a_member', `user ${userId} is not a member of chat ${chatId}`);
    case 'foreign_message':
      return invalid(`message ${messageId} is not in chat ${chatId}`);
  }
}

type Member = { id: Id; raw?: never } | { id: undefined; raw: IdInput };

/** Members in the order given, each once; an id no entity can have is kept, to be reported. */
function distinctMembers(users: readonly IdInput[]): Member[] {
  const seen = new Set<Id>();
  const members: Member[] = [];
  for (const raw of users) {
    const id = canonicalId(raw);
    if (id === undefined) members.push({ id, raw });
    else if (!seen.has(id)) {
      seen.add(id);
      members.push({ id });
    }
  }
  return members;
}
