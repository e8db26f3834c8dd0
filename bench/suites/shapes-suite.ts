import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { type Dataset, type GeneratedBackend, generateDataset } from '../generate/dataset.js';
import type { LoadResult } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { type CountCheck, checkHolds } from '../support/count-check.js';
import { postgresReachable, sqliteDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { startParley } from '../support/processes.js';
import { settle } from '../support/quiet.js';
import { median } from '../support/stats.js';
import { markdownTable, ms, ratio } from '../support/table.js';
import {
  bodiesForChat,
  type HistoryProbe,
  historyProbe,
  latencyProbe,
  rewindMessages,
  type WriteProbe,
  writeProbe,
} from './probes.js';

/** One round of the data-shape figures on one backend. */
interface ShapeRound {
  lightChats: LoadResult;
  heavyChats: LoadResult;
  lightChatsPage: LoadResult;
  heavyChatsPage: LoadResult;
  firstPage: LoadResult;
  deepestPage: LoadResult;
  addSmall: WriteProbe;
  addBig: WriteProbe;
  /** The deep chat's whole history in one unpaged answer, and the server's memory meanwhile. */
  wholeHistory: HistoryProbe;
}

export interface ShapeFigures {
  rounds: Record<string, ShapeRound[]>;
  table: string;
}

const PAGE = 50;
const CHAT_PAGE = 10;
/** The most the server may hold while it streams a whole long history (the goal), in MiB. */
const HISTORY_RSS_GOAL = 256;

/**
 * Whether cost follows the size of the answer rather than the size of the data: a user in 10 chats
 * against one in 10,000; posting into a 2-member chat against a 10,000-member one; the newest page of
 * a deep chat against its oldest. On generated data (a 10k-message data set plus the deep chat),
 * every backend in every round, interleaved.
 */
export async function runShapeSuite(settings: BenchSettings, log: (line: string) => void): Promise<ShapeFigures> {
  const datasets: [string, Dataset][] = [];
  for (const backend of settings.shapeBackends as GeneratedBackend[]) {
    if (backend === 'postgres' && !(await postgresReachable())) {
      log('skipped the PostgreSQL data-shape figures: PostgreSQL is not reachable');
      continue;
    }
    datasets.push([backend, await shapeDataset(backend, settings.deepChat, log)]);
  }
  const rounds: Record<string, ShapeRound[]> = Object.fromEntries(datasets.map(([backend]) => [backend, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const [backend, dataset] of datasets) {
      await settle(settings, log);
      const figures = await measureShapes(dataset, settings, round % 2 === 0);
      rounds[backend]?.push(figures);
      log(`round ${round}/${settings.rounds} shapes on ${backend}: ${describe(figures)}`);
    }
  }
  const checks = Object.values(rounds)
    .flat()
    .flatMap((round) => [round.addSmall.check, round.addBig.check]);
  const exact = checks.filter((check) => check.found === check.expected).length;
  const table = `${shapeTable(rounds, settings.deepChat)}\n\ncount checks of the writes: ${exact}/${checks.length} exact`;
  return { rounds, table };
}

/** SQLite: the kept data set is copied, so that the writes of a run never reach the original. */
async function shapeDataset(
  backend: GeneratedBackend,
  deepChat: number,
  log: (line: string) => void,
): Promise<Dataset> {
  const dataset = await generateDataset({ backend, size: 10_000, deepChat, log, reuse: true });
  if (backend !== 'sqlite') return dataset;
  const copy = path.join(outDir('data'), `shapes-${process.pid}.db`);
  copyFileSync(dataset.database.url.slice('sqlite:'.length), copy);
  return { ...dataset, database: sqliteDatabase(copy) };
}

/** `bigFirst` alternates which chat is written first, so that neither always gets the colder start. */
async function measureShapes(
  { database, manifest }: Dataset,
  settings: BenchSettings,
  bigFirst: boolean,
): Promise<ShapeRound> {
  const { lightUser, heavyUser, smallChat, bigChat, deepChat, deepChatAnchor } = manifest.probes;
  const server = await startParley(database.url, settings.logLevel);
  try {
    const chats = (user: string, limit?: number) =>
      latencyProbe(server, '/chats/get', { user, ...(limit ? { limit } : {}) }, settings);
    const lightChats = await chats(lightUser);
    const heavyChats = await chats(heavyUser);
    const lightChatsPage = await chats(lightUser, CHAT_PAGE);
    const heavyChatsPage = await chats(heavyUser, CHAT_PAGE);
    const firstPage = await latencyProbe(server, '/messages/get', { chat: deepChat, limit: PAGE }, settings);
    const deepestPage = await latencyProbe(
      server,
      '/messages/get',
      { chat: deepChat, limit: PAGE, before: deepChatAnchor },
      settings,
    );
    // Before the writes, so that the history read is the deep chat as generated.
    const wholeHistory = await historyProbe(server, deepChat);
    if (wholeHistory.status !== 200 || wholeHistory.messages !== manifest.deepChat) {
      throw new Error(
        `the whole history of chat ${deepChat} answered ${wholeHistory.status} with ${wholeHistory.messages} of ${manifest.deepChat} messages`,
      );
    }
    const addInto = async (chat: string) => {
      const members = await database.column(
        `SELECT user_id FROM chat_members WHERE chat_id = ${chat} ORDER BY position LIMIT 1000`,
      );
      const probe = await writeProbe(server, database, bodiesForChat(chat, members), settings);
      await rewindMessages(database, probe.before, [chat]);
      return probe;
    };
    const writes: Record<string, WriteProbe> = {};
    for (const chat of bigFirst ? [bigChat, smallChat] : [smallChat, bigChat]) writes[chat] = await addInto(chat);
    const addSmall = writes[smallChat] as WriteProbe;
    const addBig = writes[bigChat] as WriteProbe;
    return {
      lightChats,
      heavyChats,
      lightChatsPage,
      heavyChatsPage,
      firstPage,
      deepestPage,
      addSmall,
      addBig,
      wholeHistory,
    };
  } finally {
    await server.stop();
  }
}

function describe(round: ShapeRound): string {
  const check = (counts: CountCheck) => (checkHolds(counts) ? 'exact' : `${counts.found} of ${counts.expected}!`);
  return [
    `chats/get ${ms(round.lightChats.p50)} vs ${ms(round.heavyChats.p50)}`,
    `(limit ${CHAT_PAGE}: ${ms(round.lightChatsPage.p50)} vs ${ms(round.heavyChatsPage.p50)})`,
    `messages/get ${ms(round.firstPage.p50)} vs ${ms(round.deepestPage.p50)}`,
    `whole history ${round.wholeHistory.messages} messages, ${(round.wholeHistory.bytes / 2 ** 20).toFixed(0)} MiB in ` +
      `${round.wholeHistory.seconds.toFixed(1)} s, server RSS ${mib(round.wholeHistory.rssBefore)} → peak ${mib(round.wholeHistory.rssPeak)}`,
    `messages/add ${round.addSmall.load.rate.toFixed(0)} vs ${round.addBig.load.rate.toFixed(0)} req/s`,
    `(counts ${check(round.addSmall.check)}, ${check(round.addBig.check)})`,
  ].join(', ');
}

type Pick = (round: ShapeRound) => number;

const mib = (value: number) => `${value.toFixed(0)} MiB`;

function shapeTable(rounds: Record<string, ShapeRound[]>, deepChat: number): string {
  const deep = deepChat.toLocaleString('en-US');
  const figures: [string, Pick, Pick, (value: number) => string, string][] = [
    ['/chats/get p50, whole list: 10 chats → 10,000 chats', (r) => r.lightChats.p50, (r) => r.heavyChats.p50, ms, '–'],
    [
      `/chats/get p50, limit ${CHAT_PAGE}: 10 chats → 10,000 chats`,
      (r) => r.lightChatsPage.p50,
      (r) => r.heavyChatsPage.p50,
      ms,
      '–',
    ],
    [
      `/messages/get p50, limit ${PAGE}: newest page → deepest page of ${deep}`,
      (r) => r.firstPage.p50,
      (r) => r.deepestPage.p50,
      ms,
      '≤ 1.5×',
    ],
    [
      `/messages/get, no limit, the ${deep}-message chat: server RSS before → peak while streaming`,
      (r) => r.wholeHistory.rssBefore,
      (r) => r.wholeHistory.rssPeak,
      mib,
      `peak < ${HISTORY_RSS_GOAL} MiB`,
    ],
    [
      '/messages/add req/s: 2-member chat → 10,000-member chat',
      (r) => r.addSmall.load.rate,
      (r) => r.addBig.load.rate,
      (value) => `${value.toFixed(0)} req/s`,
      '≈ 1×',
    ],
    [
      '/messages/add p50: 2-member chat → 10,000-member chat',
      (r) => r.addSmall.load.p50,
      (r) => r.addBig.load.p50,
      ms,
      '≈ 1×',
    ],
  ];
  const rows = Object.entries(rounds).flatMap(([backend, list]) =>
    figures.map(([name, base, other, format, goal]) => [
      backend,
      name,
      format(median(list.map(base))),
      format(median(list.map(other))),
      ratio(median(list.map((round) => other(round) / base(round)))),
      goal,
    ]),
  );
  return markdownTable(['backend', 'figure', 'baseline', 'compared', 'ratio', 'goal'], rows);
}
