const KEY_LOCK_NAME = "CONCAT('parley_key.', SHA1(CONCAT(DATABASE(), '.', ?)))";
/** As long as InnoDB's default wait for a row lock, which it replaces for same-key writes. */
export const KEY_TURN_WAIT_SECONDS = 50;

/**
 * The SQL of the MySQL backend. Ids travel as decimal strings and are compared through
 * `CAST(? AS SIGNED)`: MySQL 5.7 may compare a BIGINT column with a string parameter as doubles, which
 * cannot tell ids above 2^53 apart.
 */
export const SQL = {
  insertUser: 'INSERT INTO users (username, created_at) VALUES (?, ?)',
  userExists: 'SELECT 1 FROM users WHERE id = CAST(? AS SIGNED)',
  chatExists: 'SELECT 1 FROM chats WHERE id = CAST(? AS SIGNED)',
  insertChat: 'INSERT INTO chats (name, created_at) VALUES (?, ?)',
  // Filled in by the driver with lists of BigInt ids, which it writes as integer literals.
  knownUsers: 'SELECT id FROM users WHERE id IN (?)',
  insertMembers: 'INSERT INTO chat_members (chat_id, user_id, position) VALUES ?',
  // The lock on the chat row makes posts to one chat take turns, from reading `last_message_at` to
  // commit: message ids are drawn and committed in order within a chat, so `created_at, id` order
  // is commit order, which later features (reading new messages since an id) rely on.
  lockChatForAuthor: `
    SELECT c.last_message_at,
           EXISTS (SELECT 1 FROM chat_members AS m WHERE m.chat_id = c.id AND m.user_id = CAST(? AS SIGNED)) AS member
    FROM chats AS c WHERE c.id = CAST(? AS SIGNED)
    FOR UPDATE`,
  insertMessage: `INSERT INTO messages (chat_id, author_id, text, created_at)
    VALUES (CAST(? AS SIGNED), CAST(? AS SIGNED), ?, ?)`,
  touchChat: 'UPDATE chats SET last_message_at = ? WHERE id = CAST(? AS SIGNED)',
  membersOfUsersChats: `
    SELECT m.chat_id, m.user_id
    FROM chat_members AS mine JOIN chat_members AS m ON m.chat_id = mine.chat_id
    WHERE mine.user_id = CAST(? AS SIGNED)
    ORDER BY m.chat_id, m.position`,
  // Filled in by the driver with a list of BigInt chat ids, as knownUsers.
  membersOfChats: 'SELECT chat_id, user_id FROM chat_members WHERE chat_id IN (?) ORDER BY chat_id, position',
  messagesOfChat: `
    SELECT id, chat_id AS chat, author_id AS author, text, created_at
    FROM messages WHERE chat_id = CAST(? AS SIGNED)
    ORDER BY created_at, id`,
  messagePosition: 'SELECT chat_id AS chat, created_at AS at FROM messages WHERE id = CAST(? AS SIGNED)',
  // Named locks are server-wide and their names at most 64 characters: the database and the key are
  // hashed together into one. See idempotency.ts for why same-key writes take turns.
  takeKeyTurn: `SELECT GET_LOCK(${KEY_LOCK_NAME}, ${KEY_TURN_WAIT_SECONDS}) AS locked`,
  endKeyTurn: `SELECT RELEASE_LOCK(${KEY_LOCK_NAME}) AS released`,
  // `entity_id` stays 0 until the same transaction knows what it created (see idempotency.ts).
  claimKey: 'INSERT INTO idempotency_keys (`key`, fingerprint, entity_id, created_at) VALUES (?, ?, 0, ?)',
  settleKey: 'UPDATE idempotency_keys SET entity_id = CAST(? AS SIGNED) WHERE `key` = ?',
  findKey: 'SELECT fingerprint, entity_id FROM idempotency_keys WHERE `key` = ?',
  // Oldest first along idempotency_keys_by_age (which ends with the primary key, hence the tie-break):
  // a bounded batch locks only the rows it deletes and the gap before the next one.
  forgetKeys:
    'DELETE FROM idempotency_keys WHERE created_at < CAST(? AS DATETIME(3)) ORDER BY created_at, `key` LIMIT ?',
} as const;
