import type { Id } from '../chat/model.js';
import type { LogEvent } from './storage.js';

/** An event as the backends read it: a chat or a message in one set of columns. */
export interface EventRow {
  kind: 'chat' | 'message';
  position: number | string;
  id: string;
  name: string | null;
  chat: string | null;
  author: string | null;
  text: string | null;
  /** ISO 8601, as the API shows it. */
  created_at: string;
}

/** The chat events' ids, whose members the caller then reads. */
export const chatIdsOf = (rows: readonly EventRow[]): Id[] =>
  rows.filter((row) => row.kind === 'chat').map((row) => String(row.id));

/** Events from rows; `membersOf` gives each chat event's members in their order. */
export function eventsFromRows(rows: readonly EventRow[], membersOf: ReadonlyMap<Id, Id[]>): LogEvent[] {
  return rows.map((row): LogEvent => {
    const position = Number(row.position);
    const id = String(row.id);
    if (row.kind === 'chat') {
      const chat = { id, name: row.name ?? '', users: membersOf.get(id) ?? [], created_at: row.created_at };
      return { position, kind: 'chat', chat: { ...chat, last_message_at: null } };
    }
    const message = {
      id,
      chat: String(row.chat),
      author: String(row.author),
      text: row.text ?? '',
      created_at: row.created_at,
    };
    return { position, kind: 'message', message };
  });
}
