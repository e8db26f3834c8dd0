import type pg from 'pg';
import type { Chat, Message } from '../../src/model/entities.js';
import { statements } from '../../src/storage/postgres/statements.js';
import { HISTORY_MESSAGES, PAGE } from '../workload/read-data.js';
import { postgresAnswers, postgresFields, postgresMessageJson, postgresStoredJson } from './answer-sql.js';
import { messageJson, type Step, serializeChats, serializeMessages, streamed, stringifiedAndJoined } from './steps.js';

interface MessageRow {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: Date;
}
interface ChatRow {
  id: string;
  name: string;
  users: string[];
  created_at: Date;
  last_message_at: Date | null;
}

/** As src/storage/postgres/postgres-storage.ts turns rows into entities. */
const messageFromRow = (row: MessageRow): Message => ({ ...row, created_at: row.created_at.toISOString() });
const chatFromRow = (row: ChatRow): Chat => ({
  // Nothing read: the seeded reader never marks a chat read.
  last_read: null,
  unread: 0,
  id: row.id,
  name: row.name,
  users: row.users,
  created_at: row.created_at.toISOString(),
  last_message_at: row.last_message_at?.toISOString() ?? null,
});

type Fields = [id: string, chat: string, author: string, text: string, createdAt: string];

/** Every column handed over as the text PostgreSQL sent: what pg's type parsers cost, by difference. */
const AS_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * The PostgreSQL backend's reads taken apart, with Parley's own named statements on one connection: what
 * today's path does for each read, step by step and whole, and the alternatives of a fast path.
 */
export async function postgresSteps(
  client: pg.Client,
  ids: { pagedChat: string; historyChat: string; reader: string },
): Promise<Step[]> {
  const rows = async <R extends pg.QueryResultRow>(config: pg.QueryConfig) => (await client.query<R>(config)).rows;
  const page = async () =>
    (await rows<MessageRow>(statements.newestMessages(ids.pagedChat, PAGE))).reverse().map(messageFromRow);
  const pageRows = await rows<MessageRow>(statements.newestMessages(ids.pagedChat, PAGE));
  const pageMessages = await page();

  // Without `limit`, the chat rules read chunks of 1,000; a chat of exactly 1,000 takes a second, empty one.
  const chunks = async (): Promise<Message[][]> => {
    const first = (await rows<MessageRow>(statements.oldestMessages(ids.historyChat, HISTORY_MESSAGES))).map(
      messageFromRow,
    );
    return [first, await secondChunk(first.at(-1)?.id as string)];
  };
  const secondChunk = async (after: string): Promise<Message[]> => {
    const [anchor] = await rows<{ at: Date }>(statements.pageAnchor(ids.historyChat, after));
    const at = (anchor as { at: Date }).at.toISOString();
    return (await rows<MessageRow>(statements.messagesAfter(ids.historyChat, at, after, HISTORY_MESSAGES))).map(
      messageFromRow,
    );
  };
  const historyRows = await rows<MessageRow>(statements.oldestMessages(ids.historyChat, HISTORY_MESSAGES));
  const historyChunks = await chunks();
  const historyMessages = historyChunks.flat();

  const chats = async () => (await rows<ChatRow>(statements.chatsOfUser(ids.reader, null))).map(chatFromRow);
  const chatRows = await rows<ChatRow>(statements.chatsOfUser(ids.reader, null));
  const chatList = await chats();

  // Named, as Parley's statements are: prepared once on the connection.
  const one = async (name: string, text: string, values: unknown[]) =>
    ((await rows<{ answer: string }>({ name, text, values }))[0] as { answer: string }).answer;
  const answer = (name: keyof typeof postgresAnswers, values: unknown[]) =>
    one(`bench_answer_${name}`, postgresAnswers[name], values);
  const stored = (name: keyof typeof postgresStoredJson, values: unknown[]) =>
    one(`bench_stored_${name}`, postgresStoredJson[name], values);
  const written = async (name: keyof typeof postgresFields, values: unknown[], reverse: boolean) => {
    const config = {
      name: `bench_fields_${name}`,
      text: postgresFields[name],
      values,
      rowMode: 'array',
      types: AS_TEXT,
    };
    const fields = (await client.query<string[]>(config as pg.QueryArrayConfig)).rows;
    return `[${(reverse ? fields.reverse() : fields).map((field) => messageJson(...(field as Fields))).join(',')}]`;
  };
  // Each message's JSON kept beside it, as a column written with the message would keep it.
  await client.query(`CREATE TEMP TABLE message_json AS
    SELECT m.id, m.chat_id, m.created_at, ${postgresMessageJson} AS json FROM messages AS m`);
  await client.query('CREATE INDEX ON message_json (chat_id, created_at, id); ANALYZE message_json');
  return [
    {
      read: 'page',
      name: 'the page read (newestMessages, 50 rows parsed)',
      run: () => client.query(statements.newestMessages(ids.pagedChat, PAGE)),
    },
    {
      read: 'page',
      name: '  the same, values left as text (no type parsers)',
      run: () => client.query({ ...statements.newestMessages(ids.pagedChat, PAGE), types: AS_TEXT }),
    },
    {
      read: 'page',
      name: 'rows → messages (reverse, spread, Date → ISO)',
      run: () => [...pageRows].reverse().map(messageFromRow),
    },
    { read: 'page', name: 'serialized by the response schema', run: () => serializeMessages(pageMessages) },
    { read: 'page', name: "today's path, all of it", run: async () => serializeMessages(await page()), answer: true },
    {
      read: 'page',
      name: 'one statement builds the answer (to_json, to_char, string_agg)',
      run: () => answer('newestPage', [ids.pagedChat, PAGE]),
      answer: true,
    },
    {
      read: 'page',
      name: 'fields formatted by the statement, the answer written here',
      run: () => written('newestPage', [ids.pagedChat, PAGE], true),
      answer: true,
    },
    {
      read: 'page',
      name: "each message's JSON stored beside it, joined by one statement",
      run: () => stored('newestPage', [ids.pagedChat, PAGE]),
      answer: true,
    },
    {
      read: 'history',
      name: 'first chunk read (oldestMessages, 1,000 rows parsed)',
      run: () => client.query(statements.oldestMessages(ids.historyChat, HISTORY_MESSAGES)),
    },
    {
      read: 'history',
      name: '  the same, values left as text (no type parsers)',
      run: () => client.query({ ...statements.oldestMessages(ids.historyChat, HISTORY_MESSAGES), types: AS_TEXT }),
    },
    { read: 'history', name: 'rows → messages (spread, Date → ISO)', run: () => historyRows.map(messageFromRow) },
    {
      read: 'history',
      name: 'second, empty chunk (pageAnchor, messagesAfter)',
      run: () => secondChunk(historyMessages.at(-1)?.id as string),
    },
    { read: 'history', name: 'streamed (jsonArrayStream, Readable.from)', run: () => streamed(historyChunks) },
    {
      read: 'history',
      name: '  what it does without the stream (JSON.stringify, join)',
      run: () => stringifiedAndJoined(historyMessages),
    },
    {
      read: 'history',
      name: '  serialized at once by the response schema instead',
      run: () => serializeMessages(historyMessages),
    },
    { read: 'history', name: "today's path, all of it", run: async () => streamed(await chunks()), answer: true },
    {
      read: 'history',
      name: 'one statement builds the answer (to_json, to_char, string_agg)',
      run: () => answer('wholeHistory', [ids.historyChat]),
      answer: true,
    },
    {
      read: 'history',
      name: 'fields formatted by the statement, the answer written here',
      run: () => written('wholeHistory', [ids.historyChat], false),
      answer: true,
    },
    {
      read: 'history',
      name: "each message's JSON stored beside it, joined by one statement",
      run: () => stored('wholeHistory', [ids.historyChat]),
      answer: true,
    },
    {
      read: 'chats',
      name: 'the chats read (chatsOfUser, 20 rows with members, parsed)',
      run: () => client.query(statements.chatsOfUser(ids.reader, null)),
    },
    { read: 'chats', name: 'rows → chats (Date → ISO)', run: () => chatRows.map(chatFromRow) },
    { read: 'chats', name: 'serialized by the response schema', run: () => serializeChats(chatList) },
    { read: 'chats', name: "today's path, all of it", run: async () => serializeChats(await chats()), answer: true },
    {
      read: 'chats',
      name: 'one statement builds the answer (to_json, to_char, string_agg)',
      run: () => answer('chatsOfUser', [ids.reader]),
      answer: true,
    },
  ];
}
