import type { Id, Message } from '../model/entities.js';
import { invalid, notFound } from '../model/errors.js';
import type { MessagePage } from '../model/pages.js';
import type { MessageRun, MessageRunResult, Storage } from './storage-port.js';

/** Messages read per query when a whole history is asked for. */
export const CHUNK = 1000;

/**
 * The run that reads a page: after a message, forward; before one, or the newest `limit`, backward; the
 * oldest `limit` (`fromStart`) or everything, forward.
 */
export function runOf(page: MessagePage): MessageRun {
  if (page.after !== undefined) return { direction: 'forward', from: page.after, limit: page.limit };
  if (page.before !== undefined) return { direction: 'backward', from: page.before, limit: page.limit };
  if (page.limit !== undefined && !page.fromStart) return { direction: 'backward', limit: page.limit };
  return { direction: 'forward', limit: page.limit };
}

/** A page of a chat's history, oldest first, read by the run that reads it. */
export async function readPage(storage: Storage, chatId: Id, page: MessagePage): Promise<MessageRunResult> {
  const run = runOf(page);
  const result = await storage.messageRun(chatId, run);
  if (result.ok && run.direction === 'backward') result.messages.reverse();
  return result;
}

/**
 * Reads pages of one chat's history, oldest first whatever the run's direction, and turns what a
 * backend found into refusals: an unknown chat is a 404; an anchor that is no message, or a message of
 * another chat, is a 400 that names the side it was given for.
 */
export class HistoryReader {
  constructor(
    private readonly storage: Storage,
    private readonly chatId: Id,
    private readonly side: 'before' | 'after',
    private readonly anchor: Id | undefined,
  ) {}

  async page(page: MessagePage): Promise<Message[]> {
    return this.found(await readPage(this.storage, this.chatId, page));
  }

  /**
   * The whole history on the asked side of the anchor, a chunk at a time so that a long history is never
   * held in memory whole: the first chunk is read (and the request refused) before anything is answered.
   */
  async whole(): Promise<Message[] | AsyncIterable<Message[]>> {
    if (this.side === 'before' && this.anchor !== undefined) {
      await this.page({ before: this.anchor, limit: 1 });
      return this.chunksFrom(await this.page({ fromStart: true, limit: CHUNK }), this.anchor);
    }
    const first = await this.page(
      this.anchor === undefined ? { fromStart: true, limit: CHUNK } : { after: this.anchor, limit: CHUNK },
    );
    return first.length < CHUNK ? first : this.chunksFrom(first);
  }

  /** Chunk after chunk forward from `first`, stopping before `stopAt` when given. */
  private async *chunksFrom(first: Message[], stopAt?: Id): AsyncGenerator<Message[]> {
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
      chunk = await this.page({ after: last.id, limit: CHUNK });
    }
  }

  private found(result: MessageRunResult): Message[] {
    if (result.ok) return result.messages;
    switch (result.reason) {
      case 'unknown_chat':
        throw notFound(`chat ${this.chatId} does not exist`);
      case 'unknown_message':
        throw invalid(`${this.side}: message ${this.anchor} does not exist`);
      case 'foreign_message':
        throw invalid(`${this.side}: message ${this.anchor} is not in chat ${this.chatId}`);
    }
  }
}
