import type { Database } from 'better-sqlite3';
import type { Id } from '../../model/entities.js';
import type { EventScope, LogEvent } from '../../model/log-events.js';
import { chatIdsOf, type EventRow, eventsFromRows } from '../event-rows.js';

// One column list for every kind of event, so that they can be read in one ordered UNION. A moved read
// marker's row holds its message in `id` and its reader in `author` (see EventRow).
const CHAT_EVENT = `'chat' AS kind, c.log_position AS position, CAST(c.id AS TEXT) AS id, c.name AS name,
  NULL AS chat, NULL AS author, NULL AS text, c.created_at AS created_at, NULL AS unread`;
const MESSAGE_EVENT = `'message' AS kind, m.log_position AS position, CAST(m.id AS TEXT) AS id, NULL AS name,
  CAST(m.chat_id AS TEXT) AS chat, CAST(m.author_id AS TEXT) AS author, m.text AS text, m.created_at AS created_at,
  NULL AS unread`;
const READ_EVENT = `'read' AS kind, r.log_position AS position, CAST(r.last_read_id AS TEXT) AS id, NULL AS name,
  CAST(r.chat_id AS TEXT) AS chat, CAST(r.user_id AS TEXT) AS author, NULL AS text, 0 AS created_at,
  r.unread AS unread`;

/**
 * A chat's messages after a position, as a range of messages_by_chat_id: positions are taken in id order
 * (see migration 4), so they are the chat's messages from the first message anywhere past the position.
 */
const CHAT_MESSAGES_AFTER = `m.id >= (SELECT f.id FROM messages AS f WHERE f.log_position > @after
  ORDER BY f.log_position LIMIT 1) AND m.log_position > @after`;

/**
 * Each part (a query and the order that reads it by position) is cut to `limit` before the merge: the
 * first `limit` of the union are among them.
 */
const union = (...parts: [query: string, order: string][]) => `
  ${parts.map(([query, order]) => `SELECT * FROM (${query} ORDER BY ${order} LIMIT @limit)`).join('\n  UNION ALL\n  ')}
  ORDER BY position LIMIT @limit`;

/** The statements of the event log, prepared once per connection. Parameters: @after, @limit, @scope. */
export function prepareEventStatements(db: Database) {
  return {
    // Two statements: UPDATE … RETURNING costs several times an UPDATE and a SELECT in this SQLite build.
    advanceHead: db.prepare('UPDATE event_log_head SET position = position + 1'),
    lastPosition: db.prepare('SELECT position FROM event_log_head').pluck(),
    allEvents: db.prepare(
      union(
        [`SELECT ${CHAT_EVENT} FROM chats AS c WHERE c.log_position > @after`, 'c.log_position'],
        [`SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.log_position > @after`, 'm.log_position'],
        [`SELECT ${READ_EVENT} FROM read_events AS r WHERE r.log_position > @after`, 'r.log_position'],
      ),
    ),
    chatEvents: db.prepare(
      union(
        [`SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.chat_id = @scope AND ${CHAT_MESSAGES_AFTER}`, 'm.id'],
        [
          `SELECT ${READ_EVENT} FROM read_events AS r WHERE r.chat_id = @scope AND r.log_position > @after`,
          'r.log_position',
        ],
      ),
    ),
    userEvents: db.prepare(
      union(
        [
          `SELECT ${CHAT_EVENT} FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id
           WHERE mine.user_id = @scope AND c.log_position > @after`,
          'c.log_position',
        ],
        [
          `SELECT ${MESSAGE_EVENT} FROM chat_members AS mine JOIN messages AS m ON m.chat_id = mine.chat_id
           WHERE mine.user_id = @scope AND ${CHAT_MESSAGES_AFTER}`,
          'm.log_position',
        ],
        [
          `SELECT ${READ_EVENT} FROM read_events AS r WHERE r.user_id = @scope AND r.log_position > @after`,
          'r.log_position',
        ],
      ),
    ),
    chatIdsOfUser: db.prepare('SELECT CAST(chat_id AS TEXT) FROM chat_members WHERE user_id = ?').pluck(),
  };
}

export type SqliteEventStatements = ReturnType<typeof prepareEventStatements>;

/**
 * The event log as read on the reading connection. Every write takes its position as it commits (one
 * connection writes, one write at a time), so nothing waits to be sequenced.
 */
export class SqliteEventLog {
  private readonly statements: SqliteEventStatements;

  constructor(
    db: Database,
    private readonly membersOf: (chatIds: readonly Id[]) => Map<Id, Id[]>,
  ) {
    this.statements = prepareEventStatements(db);
  }

  lastPosition(): number {
    return this.statements.lastPosition.get() as number;
  }

  eventsAfter(after: number, scope: EventScope, limit: number): LogEvent[] {
    const { allEvents, chatEvents, userEvents } = this.statements;
    const statement = scope === 'all' ? allEvents : 'chat' in scope ? chatEvents : userEvents;
    const target = scope === 'all' ? null : 'chat' in scope ? BigInt(scope.chat) : BigInt(scope.user);
    const rows = (statement.all({ after, limit, scope: target }) as (EventRow & { created_at: number })[]).map(
      (row) => ({ ...row, created_at: new Date(row.created_at).toISOString() }),
    );
    return eventsFromRows(rows, this.membersOf(chatIdsOf(rows)));
  }

  chatIdsOfUser(user: bigint): Id[] {
    return this.statements.chatIdsOfUser.all(user) as Id[];
  }
}
