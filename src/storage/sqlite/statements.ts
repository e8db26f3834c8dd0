import type { Database } from 'better-sqlite3';

/** Lexicographic, descending: where a chat stands in its members' lists (see ChatPosition). */
const CHAT_POSITION = '(c.last_message_at IS NOT NULL), COALESCE(c.last_message_at, c.created_at), c.id';

// The member's row is joined anyway: their read state costs nothing more (see migration 5).
const CHATS_OF_USER = `
  SELECT CAST(c.id AS TEXT) AS id, c.name, c.created_at, c.last_message_at,
         CAST(m.last_read_id AS TEXT) AS last_read, c.last_seq - m.last_read_seq AS unread
  FROM chat_members AS m JOIN chats AS c ON c.id = m.chat_id
  WHERE m.user_id = ? %s
  ORDER BY c.last_message_at IS NULL, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC
  LIMIT ?`;

// Columns are qualified throughout: SQLite would read a bare \`id\` in WHERE or ORDER BY as the text alias.
const MESSAGE_COLUMNS = `CAST(m.id AS TEXT) AS id, CAST(m.chat_id AS TEXT) AS chat, CAST(m.author_id AS TEXT) AS author,
  m.text, m.created_at`;

const USER_COLUMNS = 'CAST(u.id AS TEXT) AS id, u.username, u.created_at';

/** Every statement of the SQLite backend, prepared once per connection. */
export function prepareStatements(db: Database) {
  const withBigIntRowids = <S extends { safeIntegers(on: boolean): S }>(statement: S) => statement.safeIntegers(true);
  return {
    ping: db.prepare('SELECT 1'),
    insertUser: withBigIntRowids(db.prepare('INSERT INTO users (username, created_at) VALUES (?, ?)')),
    userExists: db.prepare('SELECT 1 FROM users WHERE id = ?').pluck(),
    // Ids and usernames arrive as one JSON array; each is one search of its unique index.
    usersById: db.prepare(
      `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.id IN (SELECT j.value FROM json_each(?) AS j)`,
    ),
    usersByUsername: db.prepare(
      `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username IN (SELECT j.value FROM json_each(?) AS j)`,
    ),
    // A prefix is a range of the username index (see prefix-range.ts), which compares TEXT with BINARY:
    // UTF-8 bytes, that is code point order.
    usersInRange: db.prepare(
      `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username >= ? AND u.username < ? ORDER BY u.username LIMIT ?`,
    ),
    usersFrom: db.prepare(`SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username >= ? ORDER BY u.username LIMIT ?`),
    chatExists: db.prepare('SELECT 1 FROM chats WHERE id = ?').pluck(),
    firstUnknownUser: db.prepare(
      `SELECT CAST(j.value AS TEXT) AS id FROM json_each(?) AS j
       LEFT JOIN users AS u ON u.id = j.value WHERE u.id IS NULL ORDER BY j.key LIMIT 1`,
    ),
    insertChat: withBigIntRowids(db.prepare('INSERT INTO chats (name, created_at, log_position) VALUES (?, ?, ?)')),
    insertMembers: db.prepare(
      'INSERT INTO chat_members (chat_id, user_id, position) SELECT ?, j.value, j.key FROM json_each(?) AS j',
    ),
    chatForAuthor: db.prepare(
      `SELECT c.last_message_at, c.last_seq,
              EXISTS (SELECT 1 FROM chat_members AS m WHERE m.chat_id = c.id AND m.user_id = ?) AS member
       FROM chats AS c WHERE c.id = ?`,
    ),
    insertMessage: withBigIntRowids(
      db.prepare(
        'INSERT INTO messages (chat_id, author_id, text, created_at, log_position, seq) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    ),
    touchChat: db.prepare('UPDATE chats SET last_message_at = ?, last_seq = ? WHERE id = ?'),
    // Never back: of two moves, the one to the later message wins, whichever comes last.
    moveMarker: db.prepare(
      `UPDATE chat_members SET last_read_seq = @seq, last_read_id = @id
       WHERE chat_id = @chat AND user_id = @user AND last_read_seq < @seq`,
    ),
    chatCount: db.prepare('SELECT last_seq FROM chats WHERE id = ?').pluck(),
    marker: db.prepare('SELECT last_read_seq AS seq FROM chat_members WHERE chat_id = ? AND user_id = ?'),
    markerTarget: db.prepare(
      'SELECT CAST(id AS TEXT) AS id, CAST(chat_id AS TEXT) AS chat, seq FROM messages WHERE id = ?',
    ),
    newestTarget: db.prepare(
      'SELECT CAST(id AS TEXT) AS id, CAST(chat_id AS TEXT) AS chat, seq FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1',
    ),
    markerOf: db.prepare(
      'SELECT CAST(last_read_id AS TEXT) AS last_read, last_read_seq AS seq FROM chat_members WHERE chat_id = ? AND user_id = ?',
    ),
    insertReadEvent: db.prepare(
      'INSERT INTO read_events (chat_id, user_id, last_read_id, unread, log_position) VALUES (?, ?, ?, ?, ?)',
    ),
    chatsOfUser: db.prepare(CHATS_OF_USER.replace('%s', '')),
    chatsOfUserAfter: db.prepare(CHATS_OF_USER.replace('%s', `AND (${CHAT_POSITION}) < (?, ?, ?)`)),
    membersOfChats: db.prepare(
      `SELECT CAST(m.chat_id AS TEXT) AS chat, CAST(m.user_id AS TEXT) AS user
       FROM json_each(?) AS j JOIN chat_members AS m ON m.chat_id = j.value
       ORDER BY m.chat_id, m.position`,
    ),
    messageChat: db.prepare('SELECT CAST(chat_id AS TEXT) FROM messages WHERE id = ?').pluck(),
    // A chat's messages in `created_at, id` order, which is id order (see migration 4): ranges of
    // messages_by_chat_id.
    messagesAfter: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`,
    ),
    messagesBefore: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?`,
    ),
    oldestMessages: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = ? ORDER BY m.id LIMIT ?`,
    ),
    newestMessages: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = ? ORDER BY m.id DESC LIMIT ?`,
    ),
    findKey: db.prepare('SELECT fingerprint, CAST(entity_id AS TEXT) AS id FROM idempotency_keys WHERE key = ?'),
    recordKey: db.prepare('INSERT INTO idempotency_keys (key, fingerprint, entity_id, created_at) VALUES (?, ?, ?, ?)'),
    forgetKeys: db.prepare(
      `DELETE FROM idempotency_keys
       WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;
