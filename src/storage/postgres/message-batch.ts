import type pg from 'pg';
import { refusalOf } from '../../chat/post-rules.js';
import type { AddMessageResult } from '../../chat/storage-port.js';
import type { Id } from '../../model/entities.js';
import { asStorageError, isConnectionFailure } from './errors.js';
import { type Queryable, statements } from './statements.js';

/** What addMessage and addMessages say of one message: its id, or the facts that explain a refusal. */
interface AddMessageRow {
  id: string | null;
  chat_exists: boolean;
  author_exists: boolean;
}

const addMessageResult = (row: AddMessageRow): AddMessageResult =>
  row.id !== null ? { ok: true, id: row.id } : { ok: false, reason: refusalOf(row.chat_exists, row.author_exists) };

export interface NewMessage {
  chatId: Id;
  authorId: Id;
  text: string;
}

/** One message in one statement, on the pool or inside an idempotency key's transaction. */
export async function addOneMessage(db: Queryable, message: NewMessage, now: string): Promise<AddMessageResult> {
  const { chatId, authorId, text } = message;
  const { rows } = await db.query<AddMessageRow>(statements.addMessage(chatId, authorId, text, now));
  return addMessageResult(rows[0] as AddMessageRow);
}

interface PendingMessage {
  message: NewMessage;
  resolve: (result: AddMessageResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The messages added during one turn of the event loop, sent as one statement (see addMessages): one
 * round trip and one commit for all of them, queued by the pool like any query. A lone message goes
 * out on the same turn, in the one-message statement, so an idle server adds no waiting. Each caller gets
 * its own message's result.
 */
export class MessageBatch {
  private pending: PendingMessage[] = [];
  /** Statements committed and the messages they carried, for metrics (a message sent alone is a batch of one). */
  readonly sent = { statements: 0, messages: 0 };
  private readonly sendPending = () => {
    void this.send();
  };

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => string,
  ) {}

  add(message: NewMessage): Promise<AddMessageResult> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(this.sendPending);
      this.pending.push({ message, resolve, reject });
    });
  }

  /** Sends what is queued now instead of on the next turn, so that it reaches the pool before it ends. */
  drain(): void {
    void this.send();
  }

  private async send(): Promise<void> {
    const messages = this.pending;
    if (messages.length === 0) return;
    this.pending = [];
    const now = this.now();
    // A lone message (an idle server) takes the one-message statement, which PostgreSQL plans and runs
    // faster than the batch's: the batch is for load, and must not slow the quiet case.
    if (messages.length === 1) return this.sendOneByOne(messages, now);
    let rows: AddMessageRow[];
    try {
      const query = statements.addMessages(
        messages.map(({ message }) => message.chatId),
        messages.map(({ message }) => message.authorId),
        messages.map(({ message }) => message.text),
        now,
      );
      rows = (await this.pool.query<AddMessageRow>(query)).rows;
    } catch (error) {
      if (isConnectionFailure(error)) {
        const failure = asStorageError(error);
        for (const { reject } of messages) reject(failure);
      } else {
        await this.sendOneByOne(messages, now);
      }
      return;
    }
    this.sent.statements += 1;
    this.sent.messages += messages.length;
    for (const [index, { resolve }] of messages.entries()) resolve(addMessageResult(rows[index] as AddMessageRow));
  }

  // A statement fails whole, even when only one of its messages is at fault: alone, only that one
  // fails. One at a time, in arrival order, so that messages to one chat keep their order.
  private async sendOneByOne(messages: readonly PendingMessage[], now: string): Promise<void> {
    for (const { message, resolve, reject } of messages) {
      try {
        resolve(await addOneMessage(this.pool, message, now));
        this.sent.statements += 1;
        this.sent.messages += 1;
      } catch (error) {
        reject(asStorageError(error));
      }
    }
  }
}
