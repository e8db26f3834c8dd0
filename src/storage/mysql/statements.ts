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
  chatsOfUser: `
    SELECT c.id, c.name, c.created_at, c.last_message_at
    FROM chat_members AS m JOIN chats AS c ON c.id = m.chat_id
    WHERE m.user_id = CAST(? AS SIGNED)
    ORDER BY c.last_message_at IS NULL, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC`,
  membersOfUsersChats: `
    SELECT m.chat_id, m.user_id
    FROM chat_members AS mine JOIN chat_members AS m ON m.chat_id = mine.chat_id
    WHERE mine.user_id = CAST(? AS SIGNED)
    ORDER BY m.chat_id, m.position`,
  messagesOfChat: `
    SELECT id, chat_id AS chat, author_id AS author, text, created_at
    FROM messages WHERE chat_id = CAST(? AS SIGNED)
    ORDER BY created_at, id`,
} as const;
