import { authorOf, chatCreatedAt, type DataPlan, messageCreatedAt, messageText, userCreatedAt } from './plan.js';
import { Random } from './random.js';

export type Cell = number | string | null;

/**
 * The rows of one table, in id order, as the schema names its columns. Members' read markers are left at
 * nothing read, so every message counts as unread. Times are milliseconds since
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
  // Each message's place in its chat, in id order (which is time order here), and each chat's count.
  const counts = new Uint32Array(plan.chats + 1);
  for (const chat of plan.messageChat) counts[chat] = (counts[chat] ?? 0) + 1;
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
      columns: ['id', 'name', 'created_at', 'last_message_at', 'last_seq'],
      times: new Set(['created_at', 'last_message_at']),
      total: plan.chats,
      *rows() {
        for (let id = 1; id <= plan.chats; id++) {
          const last = plan.lastMessageAt[id - 1] as number;
          yield [id, `chat_${id}`, chatCreatedAt(id), last === 0 ? null : last, counts[id] ?? 0];
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
      columns: ['id', 'chat_id', 'author_id', 'text', 'created_at', 'seq'],
      times: new Set(['created_at']),
      total: messages,
      *rows() {
        // Its own generator: the same seed gives the same authors and texts on every backend.
        const random = new Random(7);
        const places = new Uint32Array(plan.chats + 1);
        for (let id = 1; id <= messages; id++) {
          const chat = plan.messageChat[id - 1] as number;
          const seq = (places[chat] ?? 0) + 1;
          places[chat] = seq;
          yield [id, chat, authorOf(plan, chat, random), messageText(random), messageCreatedAt(id, messages), seq];
        }
      },
    },
  ];
}
