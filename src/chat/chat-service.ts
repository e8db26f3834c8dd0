import { conflict, invalid, notFound, ParleyError } from '../errors.js';
import type { IdempotencyKey, MessagePage, Storage } from '../storage/storage.js';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.js';
import { chatPosition } from './chat-position.js';
import { fingerprint } from './fingerprint.js';
import { canonicalId } from './ids.js';
import type { Chat, Id, Message } from './model.js';

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

/** The chat's rules: what may be created, by whom, and what each refusal means. Knows no HTTP. */
export class ChatService {
  /** `onCreated` hears of every chat and message committed, so that live streams can carry it. */
  constructor(
    private readonly storage: Storage,
    private readonly onCreated: () => void = () => {},
  ) {}

  async addUser(username: string, key?: string): Promise<Id> {
    const result = await this.storage.addUser(username, guard(key, 'users/add', username));
    if (result.ok) return result.id;
    if (result.reason === 'key_reused') throw keyReused(key);
    throw conflict(`username ${JSON.stringify(username)} is taken`);
  }

  async addChat(name: string, users: readonly IdInput[], key?: string): Promise<Id> {
    const members = distinctMembers(users);
    if (members.length < 2) throw invalid(`users must name at least 2 distinct users, got ${members.length}`);
    const unknown = members.find((member) => member.id === undefined);
    if (unknown !== undefined) throw notFound(`user ${unknown.raw} does not exist`);
    const memberIds = members.map((member) => member.id as Id);
    const result = await this.storage.addChat(name, memberIds, guard(key, 'chats/add', name, memberIds));
    if (result.ok) {
      this.onCreated();
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
    const idempotency = guard(key, 'messages/add', chatId, authorId, text);
    const result = await this.storage.addMessage(chatId, authorId, text, idempotency);
    if (result.ok) {
      this.onCreated();
      return result.id;
    }
    switch (result.reason) {
      case 'key_reused':
        throw keyReused(key);
      case 'unknown_chat':
        throw notFound(`chat ${chatId} does not exist`);
      case 'unknown_author':
        throw notFound(`user ${authorId} does not exist`);
      case 'not_a_member':
        throw new ParleyError('not_a_member', `user ${authorId} is not a member of chat ${chatId}`);
    }
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
    const [side, anchor] = query.before !== undefined ? ['before', query.before] : ['after', query.after];
    const anchorId = anchor === undefined ? undefined : canonicalId(anchor);
    if (anchor !== undefined && anchorId === undefined) throw invalid(`${side}: message ${anchor} does not exist`);
    const read = (page: MessagePage) => this.readMessages(chatId, page, side, anchorId);
    if (query.limit !== undefined) return read({ limit: query.limit, [side]: anchorId });
    if (side === 'before' && anchorId !== undefined) {
      await read({ before: anchorId, limit: 1 });
      return this.historyFrom(chatId, await read({ fromStart: true, limit: CHUNK }), anchorId);
    }
    const first = await read(
      anchorId === undefined ? { fromStart: true, limit: CHUNK } : { after: anchorId, limit: CHUNK },
    );
    return first.length < CHUNK ? first : this.historyFrom(chatId, first);
  }

  /** Chunk after chunk forward from `first`, stopping before `stopAt` when given. */
  private async *historyFrom(chatId: Id, first: Message[], stopAt?: Id): AsyncGenerator<Message[]> {
    let chunk = first;
    for (;;) {
      const end = stopAt === undefined ? -1 : chunk.findIndex((message) => message.id === stopAt);
      if (end >= 0) {
        yield chunk.slice(0, end);
        return;
      }
      yield chunk;
      const last = chunk.at(-1);
      if (chunk.length < CHUNK || last === undefined) return;
      chunk = await this.readMessages(chatId, { after: last.id, limit: CHUNK }, 'after', last.id);
    }
  }

  private async readMessages(chatId: Id, page: MessagePage, side: string, anchorId?: Id): Promise<Message[]> {
    const result = await this.storage.messagesOfChat(chatId, page);
    if (result.ok) return result.messages;
    switch (result.reason) {
      case 'unknown_chat':
        throw notFound(`chat ${chatId} does not exist`);
      case 'unknown_message':
        throw invalid(`${side}: message ${anchorId} does not exist`);
      case 'foreign_message':
        throw invalid(`${side}: message ${anchorId} is not in chat ${chatId}`);
    }
  }
}

/** Messages read per query when a whole history is asked for. */
const CHUNK = 1000;

function guard(key: string | undefined, method: string, ...inputs: (string | string[])[]): IdempotencyKey | undefined {
  return key === undefined ? undefined : { key, fingerprint: fingerprint(method, ...inputs) };
}

const keyReused = (key: string | undefined) =>
  new ParleyError(
    'idempotency_key_reused',
    `Idempotency-Key ${JSON.stringify(key)} was first used for a different request; use a new key for a new request`,
  );

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
