import { conflict, invalid, notFound, ParleyError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { canonicalId } from './ids.js';
import type { Chat, Id, Message } from './model.js';

/** An id as a client may send it. */
export type IdInput = string | number;

/** The chat's rules: what may be created, by whom, and what each refusal means. Knows no HTTP. */
export class ChatService {
  constructor(private readonly storage: Storage) {}

  async addUser(username: string): Promise<Id> {
    const result = await this.storage.addUser(username);
    if (!result.ok) throw conflict(`username ${JSON.stringify(username)} is taken`);
    return result.id;
  }

  async addChat(name: string, users: readonly IdInput[]): Promise<Id> {
    const memberIds = distinctMembers(users);
    if (memberIds.length < 2) {
      throw invalid(`users must name at least 2 distinct users, got ${memberIds.length}`);
    }
    const known = memberIds.flatMap((member) => (member.id === undefined ? [] : [member.id]));
    const unknown = memberIds.find((member) => member.id === undefined);
    if (unknown !== undefined) throw notFound(`user ${unknown.raw} does not exist`);
    const result = await this.storage.addChat(name, known);
    if (result.ok) return result.id;
    if (result.reason === 'name_taken') throw conflict(`chat name ${JSON.stringify(name)} is taken`);
    throw notFound(`user ${result.userId} does not exist`);
  }

  async addMessage(chat: IdInput, author: IdInput, text: string): Promise<Id> {
    const chatId = canonicalId(chat);
    if (chatId === undefined) throw notFound(`chat ${chat} does not exist`);
    const authorId = canonicalId(author);
    if (authorId === undefined) throw notFound(`user ${author} does not exist`);
    const result = await this.storage.addMessage(chatId, authorId, text);
    if (result.ok) return result.id;
    switch (result.reason) {
      case 'unknown_chat':
        throw notFound(`chat ${chatId} does not exist`);
      case 'unknown_author':
        throw notFound(`user ${authorId} does not exist`);
      case 'not_a_member':
        throw new ParleyError('not_a_member', `user ${authorId} is not a member of chat ${chatId}`);
    }
  }

  async chatsOfUser(user: IdInput): Promise<Chat[]> {
    const userId = canonicalId(user);
    const chats = userId === undefined ? undefined : await this.storage.chatsOfUser(userId);
    if (chats === undefined) throw notFound(`user ${userId ?? user} does not exist`);
    return chats;
  }

  async messagesOfChat(chat: IdInput): Promise<Message[]> {
    const chatId = canonicalId(chat);
    const messages = chatId === undefined ? undefined : await this.storage.messagesOfChat(chatId);
    if (messages === undefined) throw notFound(`chat ${chatId ?? chat} does not exist`);
    return messages;
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
