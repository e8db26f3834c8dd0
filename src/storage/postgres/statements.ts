import type pg from 'pg';
import type { Id } from '../../model/entities.js';

/** A pool or one of its connections: what a statement runs on. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

/** A named statement: each connection prepares it once, then only sends its parameters. */
const named =
  <P extends unknown[]>(name: string, text: string) =>
  (...values: P): pg.QueryConfig => ({ name, text, values });

/** A page size, or `null` for no limit: PostgreSQL reads `LIMIT NULL` as `LIMIT ALL`. */
type Limit = number | null;

/** Lexicographic, descending: where a chat stands in its members' lists (see ChatPosition). */
const CHAT_POSITION = '(c.last_message_at IS NOT NULL), COALESCE(c.last_message_at, c.created_at), c.id';

// The member list is a subquery of the output: PostgreSQL evaluates it after the LIMIT, for listed chats only.
// The member's row is joined anyway: their read state costs nothing more (see migration 4).
const CHATS_OF_USER = `
  SELECT c.id, c.name, c.created_at, c.last_message_at,
         mine.last_read_id::text AS last_read, c.last_seq - mine.last_read_seq AS unread,
         ARRAY(SELECT m.user_id::text FROM chat_members AS m WHERE m.chat_id = c.id ORDER BY m.position) AS users
  FROM chat_members AS mine
  JOIN chats AS c ON c.id = mine.chat_id
  WHERE mine.user_id = $1::bigint %s
  ORDER BY (c.last_message_at IS NOT NULL) DESC, COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC`;

// Columns are qualified throughout: ORDER BY a bare `chat` or `id` would name the output column.
const MESSAGE_COLUMNS = 'm.id, m.chat_id AS chat, m.author_id AS author, m.text, m.created_at';

const USER_COLUMNS = 'u.id, u.username, u.created_at';

/**
 * Every statement of the PostgreSQL backend. Pages of messages are ranges of the (chat_id, created_at,
 * id) index, walked forwards or backwards from a row comparison: a page reads only its own rows.
 */
export const statements = {
  insertUser: named<[username: string, createdAt: string]>(
    'parley_insert_user',
    'INSERT INTO users (username, created_at) VALUES ($1, $2) RETURNING id',
  ),
  userExists: named<[userId: Id]>('parley_user_exists', 'SELECT 1 FROM users WHERE id = $1::bigint'),
  // Ids and usernames travel as one array parameter; each is one search of its unique index.
  usersById: named<[userIds: readonly Id[]]>(
    'parley_users_by_id',
    `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.id = ANY ($1::bigint[])`,
  ),
  usersByUsername: named<[usernames: readonly string[]]>(
    'parley_users_by_username',
    `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username = ANY ($1::text[])`,
  ),
  // A prefix is a range of users_username_key (see prefix-range.ts), whose COLLATE "C" compares UTF-8
  // bytes: code point order. The column's collation governs the comparisons and the ORDER BY.
  usersInRange: named<[from: string, to: string, limit: number]>(
    'parley_users_in_range',
    `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username >= $1::text AND u.username < $2::text
     ORDER BY u.username LIMIT $3::bigint`,
  ),
  usersFrom: named<[from: string, limit: number]>(
    'parley_users_from',
    `SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username >= $1::text ORDER BY u.username LIMIT $2::bigint`,
  ),
  chatExists: named<[chatId: Id]>('parley_chat_exists', 'SELECT 1 FROM chats WHERE id = $1::bigint'),
  // Members travel as one array parameter: a chat may have more members than a statement has parameters.
  firstUnknownUser: named<[memberIds: readonly Id[]]>(
    'parley_first_unknown_user',
    `SELECT m.id::text AS id
     FROM unnest($1::bigint[]) WITH ORDINALITY AS m (id, position)
     LEFT JOIN users AS u ON u.id = m.id
     WHERE u.id IS NULL
     ORDER BY m.position
     LIMIT 1`,
  ),
  insertChat: named<[name: string, createdAt: string]>(
    'parley_insert_chat',
    'INSERT INTO chats (name, created_at) VALUES ($1, $2) RETURNING id',
  ),
  insertMembers: named<[chatId: Id, memberIds: readonly Id[]]>(
    'parley_insert_members',
    `INSERT INTO chat_members (chat_id, user_id, position)
     SELECT $1::bigint, m.id, m.position - 1
     FROM unnest($2::bigint[]) WITH ORDINALITY AS m (id, position)`,
  ),
  // One message (with an idempotency key, or retried alone from a failed batch: see message-batch.ts).
  // One statement, no transaction around it (unless an idempotency key needs one). The UPDATE takes the
  // chat's row lock before the INSERT draws the next message id, and the lock is held until commit:
  // within one chat, ids are drawn and committed in order, and `created_at` (the chat's new
  // last_message_at, never earlier than its previous message even if the clock goes back) follows them.
  // So (created_at, id) order is commit order, which paging cursors and live resume rely on. This is
  // judgePost (chat/post-rules.ts) said in SQL, so that a turn's messages take one statement: a message
  // is added only by a member, stamped no earlier than its chat's last one; it takes the chat's next place
  // (`seq`), and its author's marker moves to it (what one wrote counts as read). A refused message writes
  // nothing; the EXISTS columns are the facts refusalOf turns into the reason.
  addMessage: named<[chatId: Id, authorId: Id, text: string, now: string]>(
    'parley_add_message',
    `WITH touched AS (
       UPDATE chats
       SET last_message_at = GREATEST($4::timestamptz, COALESCE(last_message_at, $4::timestamptz)),
           last_seq = last_seq + 1
       WHERE id = $1::bigint
         AND EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1::bigint AND user_id = $2::bigint)
       RETURNING last_message_at, last_seq
     ), inserted AS (
       INSERT INTO messages (chat_id, author_id, text, created_at, seq)
       SELECT $1::bigint, $2::bigint, $3::text, last_message_at, last_seq FROM touched
       RETURNING id, seq
     ), marked AS (
       UPDATE chat_members AS cm SET last_read_seq = i.seq, last_read_id = i.id
       FROM inserted AS i
       WHERE cm.chat_id = $1::bigint AND cm.user_id = $2::bigint AND cm.last_read_seq < i.seq
     )
     SELECT (SELECT id FROM inserted) AS id,
            EXISTS (SELECT 1 FROM chats WHERE id = $1::bigint) AS chat_exists,
            EXISTS (SELECT 1 FROM users WHERE id = $2::bigint) AS author_exists`,
  ),
  // The messages of one turn in one statement, each keeping every guarantee of addMessage above. The
  // chats of the accepted messages are locked first, in id order, so that concurrent batches touching
  // overlapping chats queue instead of deadlocking (LockRows runs above the Sort); FOR NO KEY UPDATE is
  // the lock addMessage's UPDATE takes, held to commit. Each chat is updated once, from `locked`, and the
  // INSERT reads `touched`, so no id is drawn before every lock is held. Ids are drawn above the Sort on
  // arrival, so within the batch they grow in that order: the k-th accepted message has the k-th id.
  // A chat's messages take the places after its count in arrival order too (`seq`, counted once per chat),
  // and each author's marker moves to their last message of the batch (`marked`: member rows of chats
  // this statement already holds). One row per message, in arrival order: its id, or the facts that say why it was refused (an
  // accepted message's chat and author exist: its membership row refers to both).
  addMessages: named<[chatIds: readonly Id[], authorIds: readonly Id[], texts: readonly string[], now: string]>(
    'parley_add_messages',
    `WITH input AS (
       SELECT m.chat_id, m.author_id, m.text, m.arrival,
              EXISTS (SELECT 1 FROM chat_members AS cm WHERE cm.chat_id = m.chat_id AND cm.user_id = m.author_id)
                AS accepted
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY AS m (chat_id, author_id, text, arrival)
     ), locked AS (
       SELECT c.id FROM chats AS c
       WHERE c.id IN (SELECT i.chat_id FROM input AS i WHERE i.accepted)
       ORDER BY c.id
       FOR NO KEY UPDATE OF c
     ), counted AS (
       SELECT i.chat_id, count(*) AS n FROM input AS i WHERE i.accepted GROUP BY i.chat_id
     ), touched AS (
       UPDATE chats AS c
       SET last_message_at = GREATEST($4::timestamptz, COALESCE(c.last_message_at, $4::timestamptz)),
           last_seq = c.last_seq + k.n
       FROM locked AS l JOIN counted AS k ON k.chat_id = l.id
       WHERE c.id = l.id
       RETURNING c.id, c.last_message_at, c.last_seq - k.n AS seq_before
     ), inserted AS (
       INSERT INTO messages (chat_id, author_id, text, created_at, seq)
       SELECT i.chat_id, i.author_id, i.text, t.last_message_at,
              t.seq_before + row_number() OVER (PARTITION BY i.chat_id ORDER BY i.arrival)
       FROM input AS i JOIN touched AS t ON t.id = i.chat_id
       WHERE i.accepted
       ORDER BY i.arrival
       RETURNING id, chat_id, author_id, seq
     ), marked AS (
       UPDATE chat_members AS cm SET last_read_seq = w.seq, last_read_id = w.id
       FROM (SELECT DISTINCT ON (n.chat_id, n.author_id) n.chat_id, n.author_id, n.id, n.seq
             FROM inserted AS n ORDER BY n.chat_id, n.author_id, n.seq DESC) AS w
       WHERE cm.chat_id = w.chat_id AND cm.user_id = w.author_id AND cm.last_read_seq < w.seq
     )
     SELECT CASE WHEN i.accepted
              THEN (SELECT array_agg(n.id ORDER BY n.id) FROM inserted AS n)
                   [count(*) FILTER (WHERE i.accepted) OVER (ORDER BY i.arrival)]
            END AS id,
            i.accepted OR EXISTS (SELECT 1 FROM chats WHERE id = i.chat_id) AS chat_exists,
            i.accepted OR EXISTS (SELECT 1 FROM users WHERE id = i.author_id) AS author_exists
     FROM input AS i
     ORDER BY i.arrival`,
  ),
  chatsOfUser: named<[userId: Id, limit: Limit]>(
    'parley_chats_of_user',
    `${CHATS_OF_USER.replace('%s', '')} LIMIT $2::bigint`,
  ),
  chatsOfUserAfter: named<[userId: Id, active: boolean, at: string, chatId: Id, limit: Limit]>(
    'parley_chats_of_user_after',
    `${CHATS_OF_USER.replace('%s', `AND (${CHAT_POSITION}) < ($2::boolean, $3::timestamptz, $4::bigint)`)}
     LIMIT $5::bigint`,
  ),
  // Where a page starts: whether the chat exists, and whether (and when) the anchor message is in it.
  pageAnchor: named<[chatId: Id, messageId: Id]>(
    'parley_page_anchor',
    `SELECT EXISTS (SELECT 1 FROM chats WHERE id = $1::bigint) AS chat_exists,
            a.chat_id = $1::bigint AS in_chat, a.created_at AS at
     FROM (SELECT 1) AS one LEFT JOIN messages AS a ON a.id = $2::bigint`,
  ),
  messagesAfter: named<[chatId: Id, at: string, messageId: Id, limit: Limit]>(
    'parley_messages_after',
    `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
     WHERE m.chat_id = $1::bigint AND (m.created_at, m.id) > ($2::timestamptz, $3::bigint)
     ORDER BY m.created_at, m.id LIMIT $4::bigint`,
  ),
  // Newest first, so that the LIMIT keeps the messages nearest the anchor (a backward run).
  messagesBefore: named<[chatId: Id, at: string, messageId: Id, limit: Limit]>(
    'parley_messages_before',
    `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
     WHERE m.chat_id = $1::bigint AND (m.created_at, m.id) < ($2::timestamptz, $3::bigint)
     ORDER BY m.created_at DESC, m.id DESC LIMIT $4::bigint`,
  ),
  oldestMessages: named<[chatId: Id, limit: Limit]>(
    'parley_oldest_messages',
    `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = $1::bigint
     ORDER BY m.created_at, m.id LIMIT $2::bigint`,
  ),
  newestMessages: named<[chatId: Id, limit: Limit]>(
    'parley_newest_messages',
    `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.chat_id = $1::bigint
     ORDER BY m.created_at DESC, m.id DESC LIMIT $2::bigint`,
  ),
  // The facts of moving a read marker (see read-rules.ts). The member's row is locked to commit: moves of
  // one marker take turns, so their events are logged in the order the marker moved.
  chatCount: named<[chatId: Id]>('parley_chat_count', 'SELECT last_seq FROM chats WHERE id = $1::bigint'),
  lockMarker: named<[chatId: Id, userId: Id]>(
    'parley_lock_marker',
    `SELECT last_read_seq AS seq, last_read_id::text AS last_read FROM chat_members
     WHERE chat_id = $1::bigint AND user_id = $2::bigint FOR UPDATE`,
  ),
  markerTarget: named<[messageId: Id]>(
    'parley_marker_target',
    'SELECT id::text, chat_id::text AS chat, seq FROM messages WHERE id = $1::bigint',
  ),
  newestTarget: named<[chatId: Id]>(
    'parley_newest_target',
    `SELECT id::text, chat_id::text AS chat, seq FROM messages WHERE chat_id = $1::bigint
     ORDER BY created_at DESC, id DESC LIMIT 1`,
  ),
  moveMarker: named<[chatId: Id, userId: Id, seq: number, messageId: Id]>(
    'parley_move_marker',
    `UPDATE chat_members SET last_read_seq = $3::bigint, last_read_id = $4::bigint
     WHERE chat_id = $1::bigint AND user_id = $2::bigint AND last_read_seq < $3::bigint`,
  ),
  // Positioned later by the sequencer, like chats and messages.
  logRead: named<[chatId: Id, userId: Id, messageId: Id, unread: number]>(
    'parley_log_read',
    'INSERT INTO read_events (chat_id, user_id, last_read_id, unread) VALUES ($1::bigint, $2::bigint, $3::bigint, $4)',
  ),
  // An INSERT that meets another transaction's uncommitted claim of the key waits for it to end: then
  // it inserts (the other rolled back) or does nothing (the other committed, and its row is visible).
  claimKey: named<[key: string, fingerprint: string, createdAt: string]>(
    'parley_claim_key',
    `INSERT INTO idempotency_keys (key, fingerprint, entity_id, created_at) VALUES ($1, $2, 0, $3)
     ON CONFLICT (key) DO NOTHING RETURNING key`,
  ),
  findKey: named<[key: string]>(
    'parley_find_key',
    'SELECT fingerprint, entity_id AS id FROM idempotency_keys WHERE key = $1',
  ),
  recordKeyEntity: named<[key: string, entityId: Id]>(
    'parley_record_key_entity',
    'UPDATE idempotency_keys SET entity_id = $2::bigint WHERE key = $1',
  ),
  // Row locks on one bounded batch, never a table lock; rows another transaction holds are left for later.
  forgetKeys: named<[cutoff: string, limit: number]>(
    'parley_forget_keys',
    `DELETE FROM idempotency_keys
     WHERE key IN (SELECT k.key FROM idempotency_keys AS k WHERE k.created_at < $1::timestamptz
                   ORDER BY k.created_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED)`,
  ),
};
