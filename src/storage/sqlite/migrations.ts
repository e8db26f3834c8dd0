import type { Database } from 'better-sqlite3';

/**
 * The SQLite schema, one numbered step at a time; `PRAGMA user_version` records the last step applied.
 * Times are milliseconds since the epoch. `chats.last_message_at` is kept with each message so that
 * listing chats never reads messages.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  /* 1 */ `
  CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER
  );
  CREATE TABLE chat_members (
    chat_id  INTEGER NOT NULL REFERENCES chats (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX chat_members_by_user ON chat_members (user_id, chat_id);
  CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    text       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX messages_by_chat ON messages (chat_id, created_at, id);
  `,
  /* 2 */ `
  CREATE TABLE idempotency_keys (
    key         TEXT    PRIMARY KEY,
    fingerprint TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
  `,
  // The event log (live delivery): each write takes the next position under the write lock. Rows that
  // existed before the log get position 0: they are history, read with /messages/get, never replayed.
  /* 3 */ `
  ALTER TABLE chats ADD COLUMN log_position INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN log_position INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX chats_by_log_position ON chats (log_position);
  CREATE INDEX messages_by_log_position ON messages (log_position);
  CREATE INDEX messages_by_chat_log_position ON messages (chat_id, log_position);
  CREATE TABLE event_log_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
  );
  INSERT INTO event_log_head (id, position) VALUES (1, 0);
  `,
  // One index orders a chat's messages for both paging and its live events, where there were two: every
  // message written into a chat dirtied the tail page of each, so a group commit across many chats wrote
  // (and fsynced) twice the pages. SQLite keeps the rowid in every index entry, so entries on (chat_id)
  // are ordered by (chat_id, id), which is a chat's `created_at, id` order (a message is never dated before
  // its chat's last one) and its event-log order (positions are taken in id order, history at 0 first).
  /* 4 */ `
  CREATE INDEX messages_by_chat_id ON messages (chat_id);
  DROP INDEX messages_by_chat;
  DROP INDEX messages_by_chat_log_position;
  `,
  // Read state. Each message gets its place in its chat (`seq`: 1, 2, 3 … in history order, given under
  // the write lock), each chat its count (`last_seq`), each member a marker (the seq and id of the last
  // message read): unread is a difference, whatever the numbers of messages and members. Messages already
  // stored are numbered in their history order, and a member's marker starts at the last message they
  // wrote (what one wrote counts as read). A moved marker is an event of the log, kept in read_events.
  /* 5 */ `
  ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chats ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chat_members ADD COLUMN last_read_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE chat_members ADD COLUMN last_read_id INTEGER;
  UPDATE messages SET seq = numbered.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY chat_id ORDER BY id) AS seq FROM messages) AS numbered
  WHERE messages.id = numbered.id;
  UPDATE chats SET last_seq = counted.count
  FROM (SELECT chat_id, count(*) AS count FROM messages GROUP BY chat_id) AS counted
  WHERE chats.id = counted.chat_id;
  UPDATE chat_members SET last_read_seq = written.seq, last_read_id = written.id
  FROM (SELECT chat_id, author_id, max(id) AS id, max(seq) AS seq FROM messages GROUP BY chat_id, author_id) AS written
  WHERE chat_members.chat_id = written.chat_id AND chat_members.user_id = written.author_id;
  CREATE TABLE read_events (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    last_read_id INTEGER NOT NULL,
    unread       INTEGER NOT NULL,
    log_position INTEGER NOT NULL
  );
  CREATE INDEX read_events_by_log_position ON read_events (log_position);
  CREATE INDEX read_events_by_chat ON read_events (chat_id, log_position);
  CREATE INDEX read_events_by_user ON read_events (user_id, log_position);
  `,
];

/** Applies the steps this file has not seen yet, each in its own transaction. */
export function migrate(db: Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  SQLITE_MIGRATIONS.slice(applied).forEach((sql, index) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + index + 1}`);
    }).immediate();
  });
}
