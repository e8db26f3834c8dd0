import { Random } from '../generate/random.js';
import { created } from './chat-pairs.js';

/** The three reads of the read figures, each one request body asked again and again. */
export type ReadName = 'page' | 'history' | 'chats';

export interface ReadRequest {
  name: ReadName;
  path: '/messages/get' | '/chats/get';
  /** The request body, exactly as sent (the bare server finds its answer by it). */
  body: string;
}

/** Messages of the chat whose newest page is read: many, though a page costs the same at any depth. */
export const PAGED_CHAT_MESSAGES = 5000;
export const PAGE = 50;
/** Exactly one chunk of an unpaged read (CHUNK in src/chat/chat-service.ts): the edge a history of 1,000 sits on. */
export const HISTORY_MESSAGES = 1000;
/** The reader's chats, each of 2 to 4 members and a few messages. */
export const READER_CHATS = 20;
const MESSAGES_PER_READER_CHAT = 3;
/** Requests in flight while seeding: enough to fill a group commit or a batch. */
const SEEDING_CONCURRENCY = 16;

const WORDS = 'the a to and meeting lunch later today code review ship it thanks see you soon ok great deploy'.split(
  ' ',
);
/** Some texts need JSON escaping or are not ASCII, as real ones do: an answer must keep them exact. */
const ODD_TEXTS = [
  'she said "ship it"',
  'line one\nline two',
  'naïve café, 10 €',
  'ok 👍',
  'path C:\\temp\\x',
  'tab\there',
];

/**
 * Creates, through the API, the data the three reads ask for, on a fresh database: a chat of
 * PAGED_CHAT_MESSAGES messages (read by its newest page), one of exactly HISTORY_MESSAGES (read whole,
 * unpaged), and a reader who is in READER_CHATS chats of a few messages each (their list read). Messages
 * of all chats are posted interleaved, several at a time, as a busy server would take them. Returns the
 * three requests.
 */
export async function seedReads(url: string): Promise<ReadRequest[]> {
  const random = new Random(19);
  const user = (name: string) => created(url, '/users/add', { username: name });
  const reader = await user('reader');
  const others: string[] = [];
  for (let index = 1; index <= 2 * READER_CHATS; index++) others.push(await user(`member_${index}`));

  const chat = (name: string, users: string[]) => created(url, '/chats/add', { name, users });
  const paged = { id: await chat('paged', others.slice(0, 4)), members: others.slice(0, 4) };
  const history = { id: await chat('history', others.slice(4, 6)), members: others.slice(4, 6) };
  const posts: object[] = [];
  const post = (target: { id: string; members: readonly string[] }, count: number) => {
    for (let index = 0; index < count; index++) {
      posts.push({ chat: target.id, author: random.pick(target.members), text: text(random) });
    }
  };
  post(paged, PAGED_CHAT_MESSAGES);
  post(history, HISTORY_MESSAGES);
  for (let index = 0; index < READER_CHATS; index++) {
    const members = [
      reader,
      ...Array.from({ length: 1 + (index % 3) }, (_, k) => others[(index * 3 + k) % others.length] as string),
    ];
    const id = await chat(`reader_chat_${index + 1}`, members);
    post({ id, members }, MESSAGES_PER_READER_CHAT);
  }
  await sendAll(url, random.shuffle(Uint32Array.from(posts, (_, index) => index)), posts);

  return [
    { name: 'page', path: '/messages/get', body: JSON.stringify({ chat: paged.id, limit: PAGE }) },
    { name: 'history', path: '/messages/get', body: JSON.stringify({ chat: history.id }) },
    { name: 'chats', path: '/chats/get', body: JSON.stringify({ user: reader }) },
  ];
}

/** 3 to 14 words, or now and then a text that JSON must escape. */
function text(random: Random): string {
  if (random.below(20) === 0) return random.pick(ODD_TEXTS);
  return Array.from({ length: 3 + random.below(12) }, () => random.pick(WORDS)).join(' ');
}

/** Posts every body, in the order given, SEEDING_CONCURRENCY at a time. */
async function sendAll(url: string, order: ArrayLike<number>, bodies: readonly object[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < order.length) await created(url, '/messages/add', bodies[order[next++] as number]);
  };
  await Promise.all(Array.from({ length: SEEDING_CONCURRENCY }, worker));
}
