import type { Id } from '../model/entities.js';
import type { LogEvent } from '../model/log-events.js';
import { chatOf, messageOf } from './rows.js';

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
    if (row.kind === 'chat') {
      const chat = chatOf(
        { id: row.id, name: row.name ?? '' },
        membersOf.get(String(row.id)) ?? [],
        row.created_at,
        null,
      );
      return { position, kind: 'chat', chat };
    }
    const message = messageOf({ id: row.id, chat: row.chat, author: row.author, text: row.text ?? '' }, row.created_at);
    return { position, kind: 'message', message };
  });
}
