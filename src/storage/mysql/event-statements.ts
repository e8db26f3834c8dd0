// One column list for both kinds of event, so that they can be read in one ordered UNION.
const CHAT_EVENT = `'chat' AS kind, c.log_position AS position, c.id AS id, c.name AS name,
  NULL AS chat, NULL AS author, NULL AS text, c.created_at AS created_at`;
const MESSAGE_EVENT = `'message' AS kind, m.log_position AS position, m.id AS id, NULL AS name,
  m.chat_id AS chat, m.author_id AS author, m.text AS text, m.created_at AS created_at`;

/**
 * Each side is cut to the limit before the merge: the first `limit` of the union are among them.
 * Parameters: the scope's id (when it has one) and `after` for each side, then the three limits.
 */
const union = (chats: string, messages: string) => `
  (${chats} ORDER BY c.log_position LIMIT ?)
  UNION ALL
  (${messages} ORDER BY m.log_position LIMIT ?)
  ORDER BY position LIMIT ?`;

/** How many rows one turn of the sequencer numbers, of each kind. */
export const SEQUENCE_BATCH = 1_000;

/**
 * The SQL of the event log. The sequencer numbers rows through a session variable, in the order of
 * each UPDATE's ORDER BY: MySQL 5.7 has no window functions.
 */
export const EVENT_SQL = {
  anyWaiting: `SELECT EXISTS (SELECT 1 FROM chats WHERE log_position IS NULL)
                   OR EXISTS (SELECT 1 FROM messages WHERE log_position IS NULL) AS waiting`,
  // Read committed: the turn's UPDATEs lock only the rows they number, never a gap a writer inserts into.
  readCommitted: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
  lockHead: 'SELECT position FROM event_log_head WHERE id = 1 FOR UPDATE',
  lastPosition: 'SELECT position FROM event_log_head WHERE id = 1',
  startNumbering: 'SET @parley_log_position = CAST(? AS SIGNED)',
  numberChats: `UPDATE chats SET log_position = (@parley_log_position := @parley_log_position + 1)
    WHERE log_position IS NULL ORDER BY id LIMIT ?`,
  // Only messages of chats already numbered: a chat's event comes before its messages'.
  numberMessages: `UPDATE messages SET log_position = (@parley_log_position := @parley_log_position + 1)
    WHERE log_position IS NULL AND chat_id IN (SELECT c.id FROM chats AS c WHERE c.log_position IS NOT NULL)
    ORDER BY created_at, id LIMIT ?`,
  moveHead: 'UPDATE event_log_head SET position = @parley_log_position WHERE id = 1',
  allEvents: union(
    `SELECT ${CHAT_EVENT} FROM chats AS c WHERE c.log_position > CAST(? AS SIGNED)`,
    `SELECT ${MESSAGE_EVENT} FROM messages AS m WHERE m.log_position > CAST(? AS SIGNED)`,
  ),
  chatEvents: `SELECT ${MESSAGE_EVENT} FROM messages AS m
    WHERE m.chat_id = CAST(? AS SIGNED) AND m.log_position > CAST(? AS SIGNED)
    ORDER BY m.log_position LIMIT ?`,
  userEvents: union(
    `SELECT ${CHAT_EVENT} FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id
     WHERE mine.user_id = CAST(? AS SIGNED) AND c.log_position > CAST(? AS SIGNED)`,
    `SELECT ${MESSAGE_EVENT} FROM chat_members AS mine JOIN messages AS m ON m.chat_id = mine.chat_id
     WHERE mine.user_id = CAST(? AS SIGNED) AND m.log_position > CAST(? AS SIGNED)`,
  ),
  chatIdsOfUser: 'SELECT chat_id AS id FROM chat_members WHERE user_id = CAST(? AS SIGNED)',
} as const;
