/**
 * Statements that build a read's whole answer as JSON text inside the database, byte for byte what
 * Parley answers today (the read-cost figures check it): ids as strings, times as ISO 8601 UTC with
 * milliseconds, texts escaped as JSON.stringify escapes them, the same order. Sketches for a fast path,
 * measured beside the path of today; nothing in src/ uses them.
 */

/** SQLite keeps times as integer ms: whole seconds through strftime, then the ms, as toISOString writes them. */
const SQLITE_ISO = (column: string) =>
  `strftime('%Y-%m-%dT%H:%M:%S', ${column} / 1000, 'unixepoch') || printf('.%03dZ', ${column} % 1000)`;

/** json_object escapes a text as JSON.stringify does; the answer is joined in id order. */
export const sqliteMessageJson = `json_object('id', CAST(m.id AS TEXT), 'chat', CAST(m.chat_id AS TEXT),
  'author', CAST(m.author_id AS TEXT), 'text', m.text, 'created_at', ${SQLITE_ISO('m.created_at')})`;

export const sqliteAnswers = {
  /** The newest `@limit` messages of chat `@id`, oldest first. */
  newestPage: `SELECT '[' || coalesce(group_concat(j, ',' ORDER BY id), '') || ']'
    FROM (SELECT m.id, ${sqliteMessageJson} AS j FROM messages AS m WHERE m.chat_id = @id ORDER BY m.id DESC LIMIT @limit)`,
  /** Every message of chat `@id`, oldest first. */
  wholeHistory: `SELECT '[' || coalesce(group_concat(${sqliteMessageJson}, ',' ORDER BY m.id), '') || ']'
    FROM messages AS m WHERE m.chat_id = @id`,
  /** The chats of user `@id`, in the order of /chats/get, each with its members in their order. */
  chatsOfUser: `SELECT '[' || coalesce(group_concat(j, ',' ORDER BY active, at DESC, id DESC), '') || ']'
    FROM (SELECT c.id, c.last_message_at IS NOT NULL AS active, COALESCE(c.last_message_at, c.created_at) AS at,
            json_object('id', CAST(c.id AS TEXT), 'name', c.name,
              'users', json((SELECT json_group_array(CAST(x.user_id AS TEXT) ORDER BY x.position)
                             FROM chat_members AS x WHERE x.chat_id = c.id)),
              'created_at', ${SQLITE_ISO('c.created_at')},
              'last_message_at', CASE WHEN c.last_message_at IS NULL THEN NULL ELSE ${SQLITE_ISO('c.last_message_at')} END) AS j
          FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id WHERE mine.user_id = @id)`,
};

/** The same answers from a table holding each message's JSON (`message_json`: id, chat_id, json). */
export const sqliteStoredJson = {
  newestPage: `SELECT '[' || coalesce(group_concat(json, ',' ORDER BY id), '') || ']'
    FROM (SELECT id, json FROM message_json WHERE chat_id = @id ORDER BY id DESC LIMIT @limit)`,
  wholeHistory: `SELECT '[' || coalesce(group_concat(json, ','), '') || ']'
    FROM (SELECT json FROM message_json WHERE chat_id = @id ORDER BY id)`,
};

const PG_ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Concatenated rather than json_build_object (which writes `"id" : "1"`, with spaces); to_json(text)
 * escapes as JSON.stringify does.
 */
export const postgresMessageJson = `'{"id":"' || m.id || '","chat":"' || m.chat_id || '","author":"' || m.author_id
  || '","text":' || to_json(m.text)::text || ',"created_at":"' || ${PG_ISO('m.created_at')} || '"}'`;

export const postgresAnswers = {
  newestPage: `SELECT '[' || coalesce(string_agg(j, ',' ORDER BY created_at, id), '') || ']' AS answer
    FROM (SELECT m.created_at, m.id, ${postgresMessageJson} AS j FROM messages AS m WHERE m.chat_id = $1::bigint
          ORDER BY m.created_at DESC, m.id DESC LIMIT $2::bigint) AS page`,
  wholeHistory: `SELECT '[' || coalesce(string_agg(${postgresMessageJson}, ',' ORDER BY m.created_at, m.id), '') || ']' AS answer
    FROM messages AS m WHERE m.chat_id = $1::bigint`,
  chatsOfUser: `SELECT '[' || coalesce(string_agg(j, ',' ORDER BY active DESC, at DESC, id DESC), '') || ']' AS answer
    FROM (SELECT c.id, c.last_message_at IS NOT NULL AS active, COALESCE(c.last_message_at, c.created_at) AS at,
            '{"id":"' || c.id || '","name":' || to_json(c.name)::text || ',"users":['
            || (SELECT coalesce(string_agg('"' || x.user_id || '"', ',' ORDER BY x.position), '')
                FROM chat_members AS x WHERE x.chat_id = c.id)
            || '],"created_at":"' || ${PG_ISO('c.created_at')} || '","last_message_at":'
            || CASE WHEN c.last_message_at IS NULL THEN 'null' ELSE '"' || ${PG_ISO('c.last_message_at')} || '"' END
            || '}' AS j
          FROM chat_members AS mine JOIN chats AS c ON c.id = mine.chat_id WHERE mine.user_id = $1::bigint) AS listed`,
};

/** Each message's fields as the answer writes them, for the answer to be written by the client. */
const PG_FIELDS = `m.id::text, m.chat_id::text, m.author_id::text, m.text, ${PG_ISO('m.created_at')}`;

export const postgresFields = {
  newestPage: `SELECT ${PG_FIELDS} FROM messages AS m WHERE m.chat_id = $1::bigint
    ORDER BY m.created_at DESC, m.id DESC LIMIT $2::bigint`,
  wholeHistory: `SELECT ${PG_FIELDS} FROM messages AS m WHERE m.chat_id = $1::bigint ORDER BY m.created_at, m.id`,
};

/** The answers from a table holding each message's JSON (`message_json`: id, chat_id, created_at, json). */
export const postgresStoredJson = {
  newestPage: `SELECT '[' || coalesce(string_agg(json, ',' ORDER BY created_at, id), '') || ']' AS answer
    FROM (SELECT created_at, id, json FROM message_json WHERE chat_id = $1::bigint
          ORDER BY created_at DESC, id DESC LIMIT $2::bigint) AS page`,
  wholeHistory: `SELECT '[' || coalesce(string_agg(json, ',' ORDER BY created_at, id), '') || ']' AS answer
    FROM message_json WHERE chat_id = $1::bigint`,
};
