import { authorOf, chatCreatedAt, type DataPlan, messageCreatedAt, messageText, userCreatedAt } from './plan.js';
import { Random } from './random.js';

export type Cell = number | string | null;

/**
 * The rows of one table, in id order, as the schema names its columns. Times are milliseconds since
 * the epoch; each loader writes them in its backend's own format.
 */
export interface TableRows {
  table: 'users' | 'chats' | 'chat_members' | 'messages';
  columns: readonly string[];
  /** Columns that hold times. */
  times: ReadonlySet<string>;
  total: number;
  rows(): Iterable<Cell[]>;
}

/** Every table of a plan, parents before children (so that foreign keys may stay on). */
export function tablesOf(plan: DataPlan): TableRows[] {
  const messages = plan.messageChat.length;
  return [
    {
      table: 'users',
      columns: ['id', 'username', 'created_at'],
      times: new Set(['created_at']),
      total: plan.users,
      *rows() {
        for (let id = 1; id <= plan.users; id++) yield [id, `user_${id}`, userCreatedAt(id)];
      },
    },
    {
      table: 'chats',
      columns: ['id', 'name', 'created_at', 'last_message_at'],
      times: new Set(['created_at', 'last_message_at']),
      total: plan.chats,
      *rows() {
        for (let id = 1; id <= plan.chats; id++) {
          const last = plan.lastMessageAt[id - 1] as number;
          yield [id, `chat_${id}`, chatCreatedAt(id), last === 0 ? null : last];
        }
      },
    },
    {
      table: 'chat_members',
      columns: ['chat_id', 'user_id', 'position'],
      times: new Set(),
      total: plan.members.length,
      *rows() {
        for (let chat = 1; chat <= plan.chats; chat++) {
          const start = plan.memberStart[chat - 1] as number;
          const end = plan.memberStart[chat] as number;
          for (let index = start; index < end; index++) yield [chat, plan.members[index] as number, index - start];
        }
      },
    },
    {
      table: 'messages',
      columns: ['id', 'chat_id', 'author_id', 'text', 'created_at'],
      times: new Set(['created_at']),
      total: messages,
      *rows() {
        // Its own generator: the same seed gives the same authors and texts on every backend.
        const random = new Random(7);
        for (let id = 1; id <= messages; id++) {
          const chat = plan.messageChat[id - 1] as number;
          yield [id, chat, authorOf(plan, chat, random), messageText(random), messageCreatedAt(id, messages)];
        }
      },
    },
  ];
}
