import type pg from 'pg';
import { inTransaction } from './transaction.js';

/**
 * The PostgreSQL schema, one numbered step at a time; `schema_migrations` records the steps applied.
 * Times are kept to the millisecond, as the API shows them. Names compare byte for byte (COLLATE "C"),
 * so 'ann' and 'Ann' are two users. `chats.last_message_at` is kept with each message so that listing
 * chats never reads messages.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1 */ `
  CREATE TABLE users (
    id         bigint         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username   text           COLLATE "C" NOT NULL CONSTRAINT users_username_key UNIQUE,
    created_at timestamptz(3) NOT NULL
  );
  CREATE TABLE chats (
    id              bigint         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text           COLLATE "C" NOT NULL CONSTRAINT chats_name_key UNIQUE,
    created_at      timestamptz(3) NOT NULL,
    last_message_at timestamptz(3)
  );
  CREATE TABLE chat_members (
    chat_id  bigint  NOT NULL REFERENCES chats (id),
    user_id  bigint  NOT NULL REFERENCES users (id),
    position integer NOT NULL,
    PRIMARY KEY (chat_id, user_id)
  );
  CREATE INDEX chat_members_by_user ON chat_members (user_id, chat_id);
  CREATE TABLE messages (
    id         bigint         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint         NOT NULL REFERENCES chats (id),
    author_id  bigint         NOT NULL REFERENCES users (id),
    text       text           NOT NULL,
    created_at timestamptz(3) NOT NULL
  );
  CREATE INDEX messages_by_chat ON messages (chat_id, created_at, id);
  `,
  // A key is claimed (entity_id 0) before its request creates anything, and given the created id in the
  // same transaction. Keys compare byte for byte; old ones are forgotten oldest first, by created_at.
  /* 2 */ `
  CREATE TABLE idempotency_keys (
    key         text           COLLATE "C" PRIMARY KEY,
    fingerprint text           NOT NULL,
    entity_id   bigint         NOT NULL,
    created_at  timestamptz(3) NOT NULL
  );
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
  `,
  // The event log (live delivery). A write commits with no position; the sequencer gives positions
  // afterwards (see sequencer.ts). Rows that existed before the log get 0 without being rewritten (a
  // constant default is metadata only): they are history, never replayed. New rows start with none.
  /* 3 */ `
  ALTER TABLE chats ADD COLUMN log_position bigint DEFAULT 0;
  ALTER TABLE chats ALTER COLUMN log_position DROP DEFAULT;
  ALTER TABLE messages ADD COLUMN log_position bigint DEFAULT 0;
  ALTER TABLE messages ALTER COLUMN log_position DROP DEFAULT;
  CREATE INDEX chats_by_log_position ON chats (log_position);
  CREATE INDEX messages_by_log_position ON messages (log_position);
  CREATE INDEX messages_by_chat_log_position ON messages (chat_id, log_position);
  CREATE TABLE event_log_head (
    id       int    PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL
  );
  INSERT INTO event_log_head (id, position) VALUES (1, 0);
  `,
  // Read state. Each message gets its place in its chat (`seq`: 1, 2, 3 … in history order, given under
  // the chat's row lock), each chat its count (`last_seq`), each member a marker (the seq and id of the
  // last message read): unread is a difference, whatever the numbers of messages and members. Messages
  // already stored are numbered in their history order, and a member's marker starts at the last message
  // they wrote (what one wrote counts as read). A moved marker is an event of the log, kept in
  // read_events and sequenced like the others.
  /* 4 */ `
  ALTER TABLE messages ADD COLUMN seq bigint;
  UPDATE messages AS m SET seq = numbered.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY chat_id ORDER BY created_at, id) AS seq FROM messages) AS numbered
  WHERE m.id = numbered.id;
  ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;
  ALTER TABLE chats ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;
  UPDATE chats AS c SET last_seq = counted.count
  FROM (SELECT chat_id, count(*) AS count FROM messages GROUP BY chat_id) AS counted
  WHERE c.id = counted.chat_id;
  ALTER TABLE chat_members ADD COLUMN last_read_seq bigint NOT NULL DEFAULT 0, ADD COLUMN last_read_id bigint;
  UPDATE chat_members AS cm SET last_read_seq = written.seq, last_read_id = written.id
  FROM (SELECT DISTINCT ON (chat_id, author_id) chat_id, author_id, id, seq FROM messages
        ORDER BY chat_id, author_id, seq DESC) AS written
  WHERE cm.chat_id = written.chat_id AND cm.user_id = written.author_id;
  CREATE TABLE read_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id      bigint NOT NULL REFERENCES chats (id),
    user_id      bigint NOT NULL REFERENCES users (id),
    last_read_id bigint NOT NULL,
    unread       bigint NOT NULL,
    log_position bigint
  );
  CREATE INDEX read_events_by_log_position ON read_events (log_position);
  CREATE INDEX read_events_by_chat ON read_events (chat_id, log_position);
  CREATE INDEX read_events_by_user ON read_events (user_id, log_position);
  `,
];

/** Any fixed number: every Parley process migrating one database waits for this same lock. */
const MIGRATION_LOCK_KEY = 0x70_61_72_6c_65_79; // "parley" in ASCII

/**
 * Applies the steps this database has not seen yet, all in one transaction. The advisory lock makes
 * processes that migrate one new database at once take turns: the first applies each step, the others
 * then find nothing left to do.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL)',
    );
    const { rows } = await client.query<{ applied: number }>(
      'SELECT coalesce(max(version), 0) AS applied FROM schema_migrations',
    );
    const applied = rows[0]?.applied ?? 0;
    for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
      const version = index + 1;
      if (version <= applied) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
    }
  });
}
