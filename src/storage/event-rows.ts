import type { Id } from '../model/entities.js';
import type { LogEvent } from '../model/log-events.js';
import { chatOf, messageOf, NOTHING_READ } from './rows.js';

/**
 * An event as the backends read it: a chat, a message or a moved read marker in one set of columns. A
 * marker's row holds its message in `id`, the reader in `author` and the unread count at the time.
 */
export interface EventRow {
  kind: 'chat' | 'message' | 'read';
  position: number | string;
  id: string;
  name: string | null;
  chat: string | null;
  author: string | null;
  text: string | null;
  /** ISO 8601, as the API shows it. */
  created_at: string;
  unread: number | string | null;
}

/** The chat events' ids, whose members the caller then reads. */
export const chatIdsOf = (rows: readonly EventRow[]): Id[] =>
  rows.filter((row) => row.kind === 'chat').map((row) => String(row.id));

/** Events from rows; `membersOf` gives each chat event's members in their order. */
export function eventsFromRows(rows: readonly EventRow[], membersOf: ReadonlyMap<Id, Id[]>): LogEvent[] {
  return rows.map((row): LogEvent => {
    const position = Number(row.position);
    if (row.kind === 'chat') {
      const users = membersOf.get(String(row.id)) ?? [];
      const chat = chatOf({ id: row.id, name: row.name ?? '' }, users, row.created_at, null, NOTHING_READ);
      return { position, kind: 'chat', chat };
    }
    if (row.kind === 'read') {
      const [chat, user, lastRead] = [String(row.chat), String(row.author), String(row.id)];
      return { position, kind: 'read', read: { chat, user, last_read: lastRead, unread: Number(row.unread) } };
    }
    const message = messageOf({ id: row.id, chat: row.chat, author: row.author, text: row.text ?? '' }, row.created_at);
    return { position, kind: 'message', message };
  });
}
