import { Random, Zipf } from './random.js';

/**
 * The shape of a generated data set, decided in memory before anything is written, so that every
 * backend gets the same rows. Users and chats are the same at every size; only messages grow.
 *
 * - 100,000 users; 50,000 chats, most small (60 % drawn as two-person chats, the rest a long tail up
 *   to 100 members) and three of 10,000 members. Members are drawn with a Zipf skew: most users are in
 *   a few chats, a handful in thousands; three more users are in 10,000 chats each, one in exactly 10.
 * - Messages go to chats with a Zipf skew too (a few chats hold most of the history); the deep chat,
 *   when asked for, gets its own count on top, interleaved in time with the rest.
 * - Times are fixed, not taken from the clock (the same seed gives the same rows): users first, then
 *   chats, then messages, each later than the one before, so that a chat never predates its members,
 *   and within a chat `created_at, id` order is id order, as the server keeps it.
 */
export interface DataPlan {
  users: number;
  chats: number;
  /** Members of chat c (ids from 1) are `members[memberStart[c - 1]] .. members[memberStart[c] - 1]`, in position order. */
  memberStart: Int32Array;
  members: Int32Array;
  /** The chat of message id i + 1. */
  messageChat: Int32Array;
  /** Per chat (index c - 1): the time of its last message, or 0 when it has none. */
  lastMessageAt: Float64Array;
  probes: Probes;
}

/** The chats and users whose figures the benchmark reads, by id. */
export interface Probes {
  lightUser: string;
  heavyUser: string;
  smallChat: string;
  bigChat: string;
  deepChat: string;
  /** The 51st-oldest message of the deep chat: `before` it lies the deepest full page of 50. */
  deepChatAnchor: string | null;
  /** Chats the scale figures post into, with some of their members (authors). */
  writeChats: { chat: string; members: string[] }[];
}

export const USERS = 100_000;
export const CHATS = 50_000;
const BIG_CHAT_SIZE = 10_000;
const HEAVY_USER_CHATS = 10_000;
const LIGHT_USER_CHATS = 10;
const WRITE_CHATS = 100;

/** Chat ids with a fixed role; ordinary chats follow. */
const SMALL_CHAT = 1;
const BIG_CHATS = [2, 3, 4];
const DEEP_CHAT = 5;
const FIRST_ORDINARY_CHAT = 6;
/** User ids with a fixed role, at the end; ordinary users are 1..USERS-4. */
const LIGHT_USER = USERS - 3;
const HEAVY_USERS = [USERS - 2, USERS - 1, USERS];
const ORDINARY_USERS = USERS - 4;

const USERS_FROM = Date.parse('2025-01-01T00:00:00.000Z');
const CHATS_FROM = Date.parse('2025-03-01T00:00:00.000Z');
const MESSAGES_FROM = Date.parse('2025-04-01T00:00:00.000Z');
const MESSAGES_TO = Date.parse('2025-12-31T00:00:00.000Z');

export const userCreatedAt = (id: number): number => USERS_FROM + id * 30_000;
export const chatCreatedAt = (id: number): number => CHATS_FROM + id * 45_000;

/** Message ids are in time order across the whole data set; never two in one millisecond of one chat. */
export function messageCreatedAt(id: number, total: number): number {
  return MESSAGES_FROM + Math.floor(((id - 1) * (MESSAGES_TO - MESSAGES_FROM)) / total);
}

export function planData(messages: number, deepChat: number, seed = 20_26): DataPlan {
  const random = new Random(seed);
  const lists = chatMembers(random);
  const memberStart = new Int32Array(CHATS + 1);
  lists.forEach((list, index) => {
    memberStart[index + 1] = (memberStart[index] as number) + list.length;
  });
  const members = Int32Array.from(lists.flat());
  const messageChat = messageChats(messages, deepChat, random);
  const lastMessageAt = new Float64Array(CHATS);
  messageChat.forEach((chat, index) => {
    lastMessageAt[chat - 1] = messageCreatedAt(index + 1, messageChat.length);
  });
  const probes: Probes = {
    lightUser: String(LIGHT_USER),
    heavyUser: String(HEAVY_USERS[2]),
    smallChat: String(SMALL_CHAT),
    bigChat: String(BIG_CHATS[0]),
    deepChat: String(DEEP_CHAT),
    deepChatAnchor: nthMessageOf(messageChat, DEEP_CHAT, 51),
    writeChats: writeChats(lists, random),
  };
  return { users: USERS, chats: CHATS, memberStart, members, messageChat, lastMessageAt, probes };
}

/** Each chat's members in order: the fixed roles first, then ordinary chats, then the heavy and light users. */
function chatMembers(random: Random): number[][] {
  const skewed = new Zipf(ORDINARY_USERS, 1.0, random);
  // Zipf ranks are spread over ids at random, so that busy users are not all the oldest ones.
  const userOfRank = random.shuffle(Int32Array.from({ length: ORDINARY_USERS }, (_, index) => index + 1));
  const drawUser = () => userOfRank[skewed.draw()] as number;
  const uniformUser = () => 1 + random.below(ORDINARY_USERS);
  const lists: number[][] = [];
  for (let chat = 1; chat <= CHATS; chat++) {
    if (BIG_CHATS.includes(chat)) lists.push(distinct(BIG_CHAT_SIZE, uniformUser));
    else if (chat < FIRST_ORDINARY_CHAT) lists.push(distinct(2, drawUser));
    else lists.push(distinct(smallChatSize(random), drawUser));
  }
  const ordinaryChats = CHATS - FIRST_ORDINARY_CHAT + 1;
  const joins: [number, number][] = [
    ...HEAVY_USERS.map((user): [number, number] => [user, HEAVY_USER_CHATS]),
    [LIGHT_USER, LIGHT_USER_CHATS],
  ];
  for (const [user, count] of joins) {
    for (const index of distinct(count, () => random.below(ordinaryChats))) {
      lists[FIRST_ORDINARY_CHAT - 1 + index]?.push(user);
    }
  }
  return lists;
}

/** 60 % two-person chats; the rest a long tail (median about 5, at most 100). */
function smallChatSize(random: Random): number {
  if (random.next() < 0.6) return 2;
  return Math.min(100, Math.max(3, Math.floor(3 * (1 - random.next()) ** -0.9)));
}

/** `count` different values of `draw`, in the order first drawn. */
function distinct(count: number, draw: () => number): number[] {
  const seen = new Set<number>();
  while (seen.size < count) seen.add(draw());
  return [...seen];
}

/** The chat of every message: `deepChat` in the deep chat, the rest Zipf-skewed over all other chats. */
function messageChats(messages: number, deepChat: number, random: Random): Int32Array {
  const others = Int32Array.from({ length: CHATS - 1 }, (_, index) => (index + 1 < DEEP_CHAT ? index + 1 : index + 2));
  random.shuffle(others);
  const skewed = new Zipf(others.length, 1.0, random);
  const chats = new Int32Array(messages + deepChat);
  chats.fill(DEEP_CHAT, 0, deepChat);
  for (let index = deepChat; index < chats.length; index++) chats[index] = others[skewed.draw()] as number;
  return random.shuffle(chats);
}

function writeChats(lists: readonly number[][], random: Random): Probes['writeChats'] {
  const picked = distinct(WRITE_CHATS, () => FIRST_ORDINARY_CHAT + random.below(CHATS - FIRST_ORDINARY_CHAT + 1));
  return picked.map((chat) => ({
    chat: String(chat),
    members: (lists[chat - 1] ?? []).slice(0, 20).map(String),
  }));
}

/** The id of the chat's nth-oldest message (ids are in time order), or null when it has fewer. */
function nthMessageOf(messageChat: Int32Array, chat: number, nth: number): string | null {
  let seen = 0;
  for (let index = 0; index < messageChat.length; index++) {
    if (messageChat[index] === chat && ++seen === nth) return String(index + 1);
  }
  return null;
}

/** The author of a message: a member of its chat, drawn by the loader's own generator. */
export function authorOf(plan: DataPlan, chat: number, random: Random): number {
  const start = plan.memberStart[chat - 1] as number;
  const size = (plan.memberStart[chat] as number) - start;
  return plan.members[start + random.below(size)] as number;
}

const WORDS = (
  'the a to and of is it you that in we for on ok yes no maybe lunch meeting today tomorrow later deploy ' +
  'review ship thanks great see soon done bug fix test build release call now sure why how what 🙂 👍'
).split(' ');

/** A chat message of 2 to 25 words (about 60 characters on average). */
export function messageText(random: Random): string {
  const words: string[] = [];
  const count = 2 + random.below(24);
  for (let index = 0; index < count; index++) words.push(random.pick(WORDS));
  return words.join(' ');
}
