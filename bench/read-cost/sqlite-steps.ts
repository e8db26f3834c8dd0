import type { Database } from 'better-sqlite3';
import type { Chat, Message } from '../../src/model/entities.js';
import { prepareStatements } from '../../src/storage/sqlite/statements.js';
import { HISTORY_MESSAGES, PAGE } from '../workload/read-data.js';
import { sqliteAnswers, sqliteMessageJson, sqliteStoredJson as storedJson } from './answer-sql.js';
import {
  iso,
  messageJson,
  minuteCachedIso,
  type Step,
  serializeChats,
  serializeMessages,
  streamed,
  stringifiedAndJoined,
} from './steps.js';

interface MessageRow {
  id: string;
  chat: string;
  author: string;
  text: string;
  created_at: number;
}
interface ChatRow {
  id: string;
  name: string;
  created_at: number;
  last_message_at: number | null;
}

/** As src/storage/sqlite/sqlite-storage.ts turns rows into entities. */
const messageFromRow = (row: MessageRow): Message => ({ ...row, created_at: iso(row.created_at) });
const chatFromRow = (row: ChatRow, users: string[]): Chat => ({
  // Nothing read: the seeded reader never marks a chat read.
  last_read: null,
  unread: 0,
  id: row.id,
  name: row.name,
  users,
  created_at: iso(row.created_at),
  last_message_at: row.last_message_at === null ? null : iso(row.last_message_at),
});

/** The SQL of one of Parley's prepared statements, to prepare it again in another mode. */
const prepared = (statement: { source: string }) => statement.source;

/**
 * The SQLite backend's reads taken apart, with Parley's own prepared statements on the data set's file:
 * what today's path does for each read, step by step and whole, and the alternatives of a fast path.
 */
export function sqliteSteps(db: Database, ids: { pagedChat: string; historyChat: string; reader: string }): Step[] {
  const s = prepareStatements(db);
  const paged = BigInt(ids.pagedChat);
  const history = BigInt(ids.historyChat);
  const reader = BigInt(ids.reader);

  const page = () => {
    if (!s.chatExists.get(paged)) throw new Error('no such chat');
    return (s.newestMessages.all(paged, PAGE) as MessageRow[]).reverse().map(messageFromRow);
  };
  const pageRows = s.newestMessages.all(paged, PAGE) as MessageRow[];
  const pageMessages = page();
  const pageIds = db.prepare('SELECT id FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT ?').pluck();
  const cache = new Map(pageMessages.map((message) => [message.id, JSON.stringify(message)]));

  // Without `limit`, the chat rules read chunks of 1,000; a chat of exactly 1,000 takes a second, empty one.
  const chunks = (): Message[][] => {
    if (!s.chatExists.get(history)) throw new Error('no such chat');
    const first = (s.oldestMessages.all(history, HISTORY_MESSAGES) as MessageRow[]).map(messageFromRow);
    return [first, secondChunk(first.at(-1)?.id as string)];
  };
  const secondChunk = (after: string): Message[] => {
    if (!s.chatExists.get(history) || s.messageChat.get(BigInt(after)) === undefined) throw new Error('no anchor');
    return (s.messagesAfter.all(history, BigInt(after), HISTORY_MESSAGES) as MessageRow[]).map(messageFromRow);
  };
  const historyRows = s.oldestMessages.all(history, HISTORY_MESSAGES) as MessageRow[];
  const historyChunks = chunks();
  const historyMessages = historyChunks.flat();

  const chats = () => {
    const rows = s.chatsOfUser.all(reader, -1) as ChatRow[];
    const members = membersOf(rows.map((row) => row.id));
    return rows.map((row) => chatFromRow(row, members.get(row.id) ?? []));
  };
  const membersOf = (chatIds: string[]) => {
    const byChat = new Map<string, string[]>(chatIds.map((id) => [id, []]));
    for (const member of s.membersOfChats.iterate(`[${chatIds.join(',')}]`) as Iterable<{ chat: string; user: string }>)
      byChat.get(member.chat)?.push(member.user);
    return byChat;
  };
  const chatRows = s.chatsOfUser.all(reader, -1) as ChatRow[];
  const chatList = chats();

  // Fields as they come (ids cast to text, as today), the answer written here without entities in between.
  const rawPage = db.prepare(prepared(s.newestMessages)).raw();
  const rawHistory = db.prepare(prepared(s.oldestMessages)).raw();
  const fastIso = minuteCachedIso();
  const written = (rows: unknown[][]) =>
    `[${(rows as [string, string, string, string, number][])
      .map(([id, chat, author, text, at]) => messageJson(id, chat, author, text, fastIso(at)))
      .join(',')}]`;
  // Each message's JSON kept beside it, as a column written with the message would keep it.
  db.exec(`CREATE TEMP TABLE message_json AS SELECT m.id, m.chat_id, ${sqliteMessageJson} AS json FROM messages AS m;
           CREATE INDEX temp.message_json_by_chat ON message_json (chat_id, id)`);
  const storedPage = db.prepare(storedJson.newestPage).pluck();
  const storedHistory = db.prepare(storedJson.wholeHistory).pluck();

  const pageAnswer = db.prepare(sqliteAnswers.newestPage).pluck();
  const historyAnswer = db.prepare(sqliteAnswers.wholeHistory).pluck();
  const chatsAnswer = db.prepare(sqliteAnswers.chatsOfUser).pluck();
  return [
    { read: 'page', name: 'existence of the chat (chatExists.get)', run: () => s.chatExists.get(paged) },
    { read: 'page', name: 'the page read (newestMessages.all, 50 rows)', run: () => s.newestMessages.all(paged, PAGE) },
    {
      read: 'page',
      name: 'rows → messages (reverse, spread, ms → ISO)',
      run: () => [...pageRows].reverse().map(messageFromRow),
    },
    {
      read: 'page',
      name: '  of which ms → Date → ISO string, 50 times',
      run: () => pageRows.map((row) => iso(row.created_at)),
    },
    { read: 'page', name: 'serialized by the response schema', run: () => serializeMessages(pageMessages) },
    { read: 'page', name: '  the same by JSON.stringify', run: () => JSON.stringify(pageMessages) },
    { read: 'page', name: "today's path, all of it", run: () => serializeMessages(page()), answer: true },
    {
      read: 'page',
      name: 'one statement builds the answer (json_object, group_concat)',
      run: () => pageAnswer.get({ id: paged, limit: PAGE }),
      answer: true,
    },
    {
      read: 'page',
      name: 'fields read as arrays, the answer written here (minute-cached ISO)',
      run: () => written(rawPage.all(paged, PAGE).reverse() as unknown[][]),
      answer: true,
    },
    {
      read: 'page',
      name: "each message's JSON stored beside it, joined by one statement",
      run: () => storedPage.get({ id: paged, limit: PAGE }),
      answer: true,
    },
    {
      read: 'page',
      name: "ids read, each message's JSON from a cache",
      run: () =>
        `[${(pageIds.all(paged, PAGE) as string[])
          .reverse()
          .map((id) => cache.get(String(id)))
          .join(',')}]`,
      answer: true,
    },
    {
      read: 'history',
      name: 'first chunk read (existence, oldestMessages.all, 1,000 rows)',
      run: () => s.chatExists.get(history) && s.oldestMessages.all(history, HISTORY_MESSAGES),
    },
    { read: 'history', name: 'rows → messages (spread, ms → ISO)', run: () => historyRows.map(messageFromRow) },
    {
      read: 'history',
      name: 'second, empty chunk (existence, anchor, messagesAfter)',
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
    { read: 'history', name: "today's path, all of it", run: () => streamed(chunks()), answer: true },
    {
      read: 'history',
      name: 'one statement builds the answer (json_object, group_concat)',
      run: () => historyAnswer.get({ id: history }),
      answer: true,
    },
    {
      read: 'history',
      name: 'fields read as arrays, the answer written here (minute-cached ISO)',
      run: () => written(rawHistory.all(history, HISTORY_MESSAGES) as unknown[][]),
      answer: true,
    },
    {
      read: 'history',
      name: "each message's JSON stored beside it, joined by one statement",
      run: () => storedHistory.get({ id: history }),
      answer: true,
    },
    { read: 'chats', name: 'the chats read (chatsOfUser.all, 20 rows)', run: () => s.chatsOfUser.all(reader, -1) },
    {
      read: 'chats',
      name: 'their members read (membersOfChats.iterate)',
      run: () => membersOf(chatRows.map((row) => row.id)),
    },
    { read: 'chats', name: 'rows → chats (ms → ISO)', run: () => chatRows.map((row) => chatFromRow(row, [])) },
    { read: 'chats', name: 'serialized by the response schema', run: () => serializeChats(chatList) },
    { read: 'chats', name: '  the same by JSON.stringify', run: () => JSON.stringify(chatList) },
    { read: 'chats', name: "today's path, all of it", run: () => serializeChats(chats()), answer: true },
    {
      read: 'chats',
      name: 'one statement builds the answer (json_object, group_concat)',
      run: () => chatsAnswer.get({ id: reader }),
      answer: true,
    },
  ];
}
