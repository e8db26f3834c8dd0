import type { RowDataPacket } from 'mysql2/promise';
import { unavailable } from './errors.js';
import type { Connection } from './session-pool.js';

/**
 * The MySQL schema, one numbered step at a time (step n is `MYSQL_MIGRATIONS[n - 1]`), each step a
 * list of statements; `schema_migrations` records the steps applied. Runs on MySQL 5.7+ and MariaDB
 * 10.3+. Ids are signed BIGINT like the API's (up to 2^63-1). Times are DATETIME(3) in UTC.
 * Names and texts are utf8mb4 with the binary collation: 'Ann' and 'ann' are different users, and
 * every code point, 4-byte ones included, is kept exactly. VARCHAR lengths count code points, like the
 * API's limits; a text of 65,536 4-byte characters needs MEDIUMTEXT. `chats.last_message_at` is kept
 * with each message so that listing chats never reads messages.
 * utf8mb4_bin is a PAD SPACE collation, though: it compares 'x' and 'x ' as equal, so a unique key on
 * the VARCHAR itself would refuse 'x ' beside 'x'. Names are unique by their exact bytes instead (step
 * 4), since MySQL 5.7 has no NO PAD collation to switch to.
 * MySQL commits each DDL statement by itself, so a step that stops halfway must be safe to run again:
 * hence IF NOT EXISTS, and ALTERs guarded by a query that finds them applied.
 */
/** A statement, or an ALTER guarded by a query that finds rows once it has been applied. */
export type MigrationStatement = string | { sql: string; unlessFound: string };

const columnExists = (table: string, column: string) =>
  `SELECT 1 FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = '${table}' AND column_name = '${column}'`;

export const MYSQL_MIGRATIONS: readonly (readonly MigrationStatement[])[] = [
  /* 1 */ [
    `CREATE TABLE IF NOT EXISTS users (
      id         BIGINT      NOT NULL AUTO_INCREMENT,
      username   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY users_username (username)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS chats (
      id              BIGINT       NOT NULL AUTO_INCREMENT,
      name            VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      created_at      DATETIME(3)  NOT NULL,
      last_message_at DATETIME(3)  NULL,
      PRIMARY KEY (id),
      UNIQUE KEY chats_name (name)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS chat_members (
      chat_id  BIGINT       NOT NULL,
      user_id  BIGINT       NOT NULL,
      position INT UNSIGNED NOT NULL,
      PRIMARY KEY (chat_id, user_id),
      KEY chat_members_by_user (user_id, chat_id),
      CONSTRAINT chat_members_chat FOREIGN KEY (chat_id) REFERENCES chats (id),
      CONSTRAINT chat_members_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ENGINE = InnoDB`,
    `CREATE TABLE IF NOT EXISTS messages (
      id         BIGINT      NOT NULL AUTO_INCREMENT,
      chat_id    BIGINT      NOT NULL,
      author_id  BIGINT      NOT NULL,
      text       MEDIUMTEXT  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY messages_by_chat (chat_id, created_at, id),
      KEY messages_by_author (author_id),
      CONSTRAINT messages_chat FOREIGN KEY (chat_id) REFERENCES chats (id),
      CONSTRAINT messages_author FOREIGN KEY (author_id) REFERENCES users (id)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
  ],
  // Keys are printable ASCII chosen by clients and compared byte for byte: ascii_bin keeps 'K' and 'k'
  // apart and lets 255 characters fit InnoDB's index limit on any row format. A fingerprint is a hex
  // SHA-256. `entity_id` is 0 only inside the transaction that claimed the key (see idempotency.ts).
  /* 2 */ [
    `CREATE TABLE IF NOT EXISTS idempotency_keys (
      \`key\`       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      fingerprint CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      entity_id   BIGINT       NOT NULL,
      created_at  DATETIME(3)  NOT NULL,
      PRIMARY KEY (\`key\`),
      KEY idempotency_keys_by_age (created_at)
    ) ENGINE = InnoDB DEFAULT CHARSET = ascii COLLATE = ascii_bin`,
  ],
  // The event log (live delivery). A write commits with no position; the sequencer gives positions
  // afterwards (see sequencer.ts). Rows that existed before the log get 0: they are history, never
  // replayed. New rows start with none (NULL).
  /* 3 */ [
    {
      sql: `ALTER TABLE chats ADD COLUMN log_position BIGINT NULL DEFAULT 0,
            ADD KEY chats_by_log_position (log_position)`,
      unlessFound: columnExists('chats', 'log_position'),
    },
    'ALTER TABLE chats ALTER COLUMN log_position SET DEFAULT NULL',
    {
      sql: `ALTER TABLE messages ADD COLUMN log_position BIGINT NULL DEFAULT 0,
            ADD KEY messages_by_log_position (log_position),
            ADD KEY messages_by_chat_log_position (chat_id, log_position)`,
      unlessFound: columnExists('messages', 'log_position'),
    },
    'ALTER TABLE messages ALTER COLUMN log_position SET DEFAULT NULL',
    `CREATE TABLE IF NOT EXISTS event_log_head (
      id       INT    NOT NULL,
      position BIGINT NOT NULL,
      PRIMARY KEY (id)
    ) ENGINE = InnoDB`,
    'INSERT IGNORE INTO event_log_head (id, position) VALUES (1, 0)',
  ],
  // Usernames and chat names are unique as stored, byte for byte: the keys of step 1 (PAD SPACE, see
  // above) give way to keys on a copy of each name as a binary string, where every byte counts,
  // trailing spaces included. The server computes the copy in every INSERT, whoever writes the row;
  // it holds the longest name (64 / 128 characters of 4 bytes), and is never NULL as the name is not
  // (MariaDB refuses NOT NULL on a generated column). Reads keep using the VARCHAR. Bytes
  // are stricter than the old keys, so existing rows always fit. One ALTER per table: each applies
  // whole or not at all, and is skipped once its column exists.
  /* 4 */ [
    {
      sql: `ALTER TABLE users
              ADD COLUMN username_bytes VARBINARY(256) GENERATED ALWAYS AS (CAST(username AS BINARY)) STORED,
              ADD UNIQUE KEY users_username_bytes (username_bytes),
              DROP KEY users_username`,
      unlessFound: columnExists('users', 'username_bytes'),
    },
    {
      sql: `ALTER TABLE chats
              ADD COLUMN name_bytes VARBINARY(512) GENERATED ALWAYS AS (CAST(name AS BINARY)) STORED,
              ADD UNIQUE KEY chats_name_bytes (name_bytes),
              DROP KEY chats_name`,
      unlessFound: columnExists('chats', 'name_bytes'),
    },
  ],
  // Idempotency keys are printable ASCII, so their bytes are their characters: the column itself becomes
  // VARBINARY, which compares without padding ('k' and 'k ' are two keys). Keys equal under the old
  // collation were one key already, so the primary key holds. Running it again changes nothing.
  /* 5 */ ['ALTER TABLE idempotency_keys MODIFY `key` VARBINARY(255) NOT NULL'],
  // Read state. Each message gets its place in its chat (`seq`: 1, 2, 3 … in history order, given under
  // the chat's row lock), each chat its count (`last_seq`), each member a marker (the seq and id of the
  // last message read): unread is a difference, whatever the numbers of messages and members. Messages
  // already stored are numbered in their history order (a session variable: MySQL 5.7 has no window
  // functions), and a member's marker starts at the last message they wrote (what one wrote counts as
  // read). A moved marker is an event of the log, kept in read_events and sequenced like the others.
  // Each UPDATE computes its values afresh, so a step stopped halfway is safe to run again.
  /* 6 */ [
    {
      sql: 'ALTER TABLE messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0',
      unlessFound: columnExists('messages', 'seq'),
    },
    {
      sql: 'ALTER TABLE chats ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0',
      unlessFound: columnExists('chats', 'last_seq'),
    },
    {
      sql: `ALTER TABLE chat_members ADD COLUMN last_read_seq BIGINT NOT NULL DEFAULT 0,
              ADD COLUMN last_read_id BIGINT NULL`,
      unlessFound: columnExists('chat_members', 'last_read_seq'),
    },
    'SET @parley_chat = NULL, @parley_seq = 0',
    `UPDATE messages
     SET seq = IF(chat_id = @parley_chat, @parley_seq := @parley_seq + 1, @parley_seq := 1 + LEAST(0, @parley_chat := chat_id))
     ORDER BY chat_id, created_at, id`,
    `UPDATE chats AS c JOIN (SELECT chat_id, COUNT(*) AS n FROM messages GROUP BY chat_id) AS counted
       ON counted.chat_id = c.id
     SET c.last_seq = counted.n`,
    `UPDATE chat_members AS cm
     JOIN (SELECT chat_id, author_id, MAX(id) AS id, MAX(seq) AS seq FROM messages GROUP BY chat_id, author_id) AS written
       ON written.chat_id = cm.chat_id AND written.author_id = cm.user_id
     SET cm.last_read_seq = written.seq, cm.last_read_id = written.id`,
    `CREATE TABLE IF NOT EXISTS read_events (
      id           BIGINT NOT NULL AUTO_INCREMENT,
      chat_id      BIGINT NOT NULL,
      user_id      BIGINT NOT NULL,
      last_read_id BIGINT NOT NULL,
      unread       BIGINT NOT NULL,
      log_position BIGINT NULL,
      PRIMARY KEY (id),
      KEY read_events_by_log_position (log_position),
      KEY read_events_by_chat (chat_id, log_position),
      KEY read_events_by_user (user_id, log_position),
      CONSTRAINT read_events_chat FOREIGN KEY (chat_id) REFERENCES chats (id),
      CONSTRAINT read_events_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ENGINE = InnoDB`,
  ],
];

const LOCK_WAIT_SECONDS = 60;
// Named after the database, so that databases sharing a server migrate independently (names are
// capped at 64 characters; a truncated name only makes two databases wait for each other).
const LOCK_NAME = "LEFT(CONCAT('parley_migrations.', DATABASE()), 64)";

/**
 * Applies the steps not applied yet. MySQL DDL commits by itself, so no transaction can make two
 * processes migrating one new database take turns; a named lock held by this connection does. The
 * server frees it if the process dies.
 */
export async function migrate(connection: Connection): Promise<void> {
  const [[lock]] = await connection.query<RowDataPacket[]>(
    `SELECT GET_LOCK(${LOCK_NAME}, ${LOCK_WAIT_SECONDS}) AS locked`,
  );
  if (Number(lock?.locked) !== 1) {
    throw unavailable(`another process has been migrating the database for over ${LOCK_WAIT_SECONDS}s`);
  }
  try {
    await applyPendingSteps(connection);
  } finally {
    // A connection that cannot release the lock must not go back to the pool holding it.
    await connection.query(`DO RELEASE_LOCK(${LOCK_NAME})`).catch(() => connection.destroy());
  }
}

async function applyPendingSteps(connection: Connection): Promise<void> {
  await connection.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at DATETIME(3) NOT NULL) ENGINE = InnoDB',
  );
  const [[applied]] = await connection.query<RowDataPacket[]>(
    'SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations',
  );
  const done = Number(applied?.version ?? 0);
  for (const [index, statements] of MYSQL_MIGRATIONS.entries()) {
    const version = index + 1;
    if (version <= done) continue;
    for (const statement of statements) await apply(connection, statement);
    await connection.query('INSERT INTO schema_migrations (version, applied_at) VALUES (?, UTC_TIMESTAMP(3))', [
      version,
    ]);
  }
}

async function apply(connection: Connection, statement: MigrationStatement): Promise<void> {
  if (typeof statement === 'string') {
    await connection.query(statement);
    return;
  }
  const [found] = await connection.query<RowDataPacket[]>(statement.unlessFound);
  if (found.length === 0) await connection.query(statement.sql);
}
