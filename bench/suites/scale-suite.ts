import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { type Dataset, type GeneratedBackend, generateDataset, parseSize } from '../generate/dataset.js';
import type { LoadResult } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { describeCheck } from '../support/count-check.js';
import { sqliteDatabase } from '../support/databases.js';
import { outDir } from '../support/paths.js';
import { startParley } from '../support/processes.js';
import { settle } from '../support/quiet.js';
import { median } from '../support/stats.js';
import { markdownTable, ms, ratio } from '../support/table.js';
import { messageBodies } from '../workload/chat-pairs.js';
import { latencyProbe, markReadProbe, rewindMessages, type WriteProbe, writeProbe } from './probes.js';

interface ScaleRound {
  lightChats: LoadResult;
  heavyChatsPage: LoadResult;
  /** 100 chats of one list, each with the user's unread count. */
  hundredChats: LoadResult;
  add: WriteProbe;
  markRead: LoadResult;
}

interface ScaleTarget {
  backend: GeneratedBackend;
  size: number;
  dataset: Dataset;
  rounds: ScaleRound[];
}

export interface ScaleFigures {
  targets: { backend: string; size: number; messages: number; rounds: ScaleRound[] }[];
  table: string;
}

/**
 * The same users and chats with 10k, 1M and 10M messages: /chats/get must not grow with the history
 * (it reads `chats.last_message_at`, never messages), and /messages/add only by an index level or two.
 * Every data set in every round, interleaved; what a round writes is taken back out before the next.
 */
export async function runScaleSuite(settings: BenchSettings, log: (line: string) => void): Promise<ScaleFigures> {
  const targets: ScaleTarget[] = [];
  for (const backend of settings.scaleBackends as GeneratedBackend[]) {
    for (const size of settings.scaleSizes.map(parseSize)) {
      targets.push({ backend, size, dataset: await scaleDataset(backend, size, log), rounds: [] });
    }
  }
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of targets) {
      await settle(settings, log);
      const figures = await measureScale(target.dataset, settings);
      target.rounds.push(figures);
      log(`round ${round}/${settings.rounds} ${target.backend} ${label(target.size)}: ${describe(figures)}`);
    }
  }
  return {
    targets: targets.map(({ backend, size, dataset, rounds }) => ({
      backend,
      size,
      messages: dataset.manifest.messages,
      rounds,
    })),
    table: scaleTable(targets),
  };
}

/** SQLite: a working copy of the kept data set, so that an interrupted run never leaves writes in it. */
async function scaleDataset(backend: GeneratedBackend, size: number, log: (line: string) => void): Promise<Dataset> {
  const dataset = await generateDataset({ backend, size, deepChat: 0, log, reuse: true });
  if (backend !== 'sqlite') return dataset;
  const copy = path.join(outDir('data'), `scale-${size}-${process.pid}.db`);
  copyFileSync(dataset.database.url.slice('sqlite:'.length), copy);
  return { ...dataset, database: sqliteDatabase(copy) };
}

async function measureScale({ database, manifest }: Dataset, settings: BenchSettings): Promise<ScaleRound> {
  const { lightUser, heavyUser, writeChats } = manifest.probes;
  const server = await startParley(database.url, settings.logLevel);
  try {
    const lightChats = await latencyProbe(server, '/chats/get', { user: lightUser }, settings);
    const heavyChatsPage = await latencyProbe(server, '/chats/get', { user: heavyUser, limit: 10 }, settings);
    const hundredChats = await latencyProbe(server, '/chats/get', { user: heavyUser, limit: 100 }, settings);
    const add = await writeProbe(server, database, messageBodies(writeChats), settings);
    const markRead = await markReadProbe(server, writeChats, settings);
    await rewindMessages(
      database,
      add.before,
      writeChats.map(({ chat }) => chat),
    );
    return { lightChats, heavyChatsPage, hundredChats, add, markRead };
  } finally {
    await server.stop();
  }
}

const label = (size: number) => (size >= 1e6 ? `${size / 1e6}M` : size >= 1e3 ? `${size / 1e3}k` : String(size));

function describe(round: ScaleRound): string {
  return [
    `chats/get (10 chats) ${ms(round.lightChats.p50)}`,
    `chats/get (10,000 chats, limit 10) ${ms(round.heavyChatsPage.p50)}`,
    `chats/get (100 chats with unread) ${ms(round.hundredChats.p50)}`,
    `messages/add ${round.add.load.rate.toFixed(0)} req/s p50 ${ms(round.add.load.p50)}`,
    `chats/read ${round.markRead.rate.toFixed(0)} req/s`,
    describeCheck(round.add.check),
  ].join(', ');
}

type Figure = [string, (round: ScaleRound) => number, (value: number) => string, string];

const FIGURES: Figure[] = [
  ['/chats/get p50, user in 10 chats', (r) => r.lightChats.p50, ms, '≤ 1.5×'],
  ['/chats/get p50, user in 10,000 chats, limit 10', (r) => r.heavyChatsPage.p50, ms, '–'],
  ['/messages/add req/s, 50 connections', (r) => r.add.load.rate, (value) => value.toFixed(0), '–'],
  ['/messages/add p50, 50 connections', (r) => r.add.load.p50, ms, '–'],
  ['/chats/get p50, 100 chats with unread counts (limit 100)', (r) => r.hundredChats.p50, ms, '≤ 1.5×'],
  ['/chats/read req/s, 50 connections', (r) => r.markRead.rate, (value) => value.toFixed(0), '–'],
];

/** One row per backend and figure; one column per size; the largest size against the smallest, per round. */
function scaleTable(targets: ScaleTarget[]): string {
  const sizes = [...new Set(targets.map((target) => target.size))].sort((a, b) => a - b);
  const smallest = sizes[0] as number;
  const largest = sizes.at(-1) as number;
  const rows = [...new Set(targets.map((target) => target.backend))].flatMap((backend) => {
    const at = (size: number) => targets.find((target) => target.backend === backend && target.size === size);
    return FIGURES.map(([name, pick, format, goal]) => {
      const cells = sizes.map((size) => {
        const rounds = at(size)?.rounds ?? [];
        return rounds.length === 0 ? '–' : format(median(rounds.map(pick)));
      });
      const first = at(smallest)?.rounds ?? [];
      const last = at(largest)?.rounds ?? [];
      const growth = median(last.map((round, index) => pick(round) / pick(first[index] as ScaleRound)));
      return [backend, name, ...cells, ratio(growth), goal];
    });
  });
  const header = ['backend', 'figure', ...sizes.map(label), `${label(largest)} ÷ ${label(smallest)}`, 'goal'];
  return markdownTable(header, rows);
}
