import { type LoadResult, runLoad } from '../load/http-load.js';
import { addMessageScript, runPgbench } from '../load/pgbench.js';
import type { BenchSettings } from '../settings.js';
import { type CountCheck, countCheck } from '../support/count-check.js';
import {
  type BenchDatabase,
  createMysqlDatabase,
  createPostgresDatabase,
  mysqlReachable,
  postgresReachable,
  sqliteDatabase,
} from '../support/databases.js';
import { BASELINE_DIST, type Server, startCeiling, startParley } from '../support/processes.js';
import { type ServerFigures, scrapeFigures, writesPerCommit } from '../support/server-figures.js';
import { createPairChats, messageBodies, PAIR_CHATS, type TargetChat } from '../workload/chat-pairs.js';

export interface TargetRun {
  load: LoadResult;
  check?: CountCheck;
  /** From the server's /metrics: writes per group commit over the measured run; the pool half-way through. */
  server?: { writesPerCommit?: number; poolInUse?: number; poolWaiting?: number };
}

/** One contender of the /messages/add figure: measured once per round, on fresh data each time. */
export interface AddMessageTarget {
  name: string;
  available(): Promise<boolean>;
  measure(settings: BenchSettings): Promise<TargetRun>;
}

/** A server of bench/ that stores nothing, answering every body it is sent. */
function ceilingTarget(name: string, file: string, args: string[] = []): AddMessageTarget {
  return {
    name,
    available: async () => true,
    async measure(settings) {
      const server = await startCeiling(file, args);
      try {
        const { measured } = await warmThenMeasure(server, messageBodies(placeholderChats()), settings);
        return { load: measured };
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * bench/sqlite-ceiling-server.ts on a fresh durable file: the least work a durable /messages/add can do,
 * counted as Parley is.
 */
function durableCeilingTarget(name: string, schema: 'parley' | 'bare'): AddMessageTarget {
  return {
    name,
    available: async () => true,
    measure: (settings) =>
      measureStored(
        async () => freshSqlite(),
        (database) =>
          startCeiling('sqlite-ceiling-server.ts', [database.url.slice('sqlite:'.length), String(PAIR_CHATS), schema]),
        async () => messageBodies(placeholderChats()),
        settings,
      ),
  };
}

let runs = 0;
export const freshSqlite = () => sqliteDatabase(`add-message-${process.pid}-${++runs}.db`);
/** The same, on tmpfs: fsync costs nothing there. A diagnostic: what durability costs. */
const freshTmpfsSqlite = () => sqliteDatabase(`/dev/shm/parley-bench-${process.pid}-${++runs}.db`);

/** The PostgreSQL backend's default pool (src/storage/postgres/postgres-storage.ts). */
const PARLEY_POOL_SIZE = 10;

export const ADD_MESSAGE_TARGETS: Record<string, AddMessageTarget> = {
  ceiling: ceilingTarget('ceiling (node:http)', 'ceiling-server.ts'),
  sqlite: parleyTarget('Parley SQLite', async () => freshSqlite()),
  postgres: parleyTarget('Parley PostgreSQL', () => createPostgresDatabase('add'), postgresReachable),
  mariadb: parleyTarget('Parley MariaDB', () => createMysqlDatabase('add'), mysqlReachable),
  pgbench: {
    name: 'pgbench (same SQL)',
    available: postgresReachable,
    measure: (settings) => measurePgbench(settings, settings.connections),
  },
  // Diagnostics, not run unless named in BENCH_TARGETS.
  'ceiling-fastify': ceilingTarget('Fastify alone', 'fastify-ceiling-server.ts'),
  'ceiling-fastify-schema': ceilingTarget('Fastify alone, Parley’s schema', 'fastify-ceiling-server.ts', ['schema']),
  'ceiling-sqlite': durableCeilingTarget('node:http + SQLite group commit', 'parley'),
  'ceiling-sqlite-bare': durableCeilingTarget('the same on a bare table', 'bare'),
  'sqlite-tmpfs': parleyTarget('Parley SQLite on tmpfs', async () => freshTmpfsSqlite()),
  'pgbench-pool': {
    name: `pgbench, ${PARLEY_POOL_SIZE} clients`,
    available: postgresReachable,
    measure: (settings) => measurePgbench(settings, PARLEY_POOL_SIZE),
  },
  // The build named by BENCH_BASELINE_DIST (an earlier commit, say) in the same rounds: before against after.
  'sqlite-baseline': baselineTarget('Parley SQLite, baseline build', async () => freshSqlite()),
  'postgres-baseline': baselineTarget(
    'Parley PostgreSQL, baseline build',
    () => createPostgresDatabase('add'),
    postgresReachable,
  ),
};

function parleyTarget(
  name: string,
  create: () => Promise<BenchDatabase>,
  available: () => Promise<boolean> = async () => true,
): AddMessageTarget {
  return { name, available, measure: (settings) => measureParley(create, settings) };
}

function baselineTarget(
  name: string,
  create: () => Promise<BenchDatabase>,
  available: () => Promise<boolean> = async () => true,
): AddMessageTarget {
  return {
    name,
    available: async () => BASELINE_DIST !== undefined && (await available()),
    measure: (settings) => measureParley(create, settings, [], BASELINE_DIST),
  };
}

/**
 * Parley on a fresh database: two-member chats created through the API, then the sized load, then the
 * server stopped and the messages counted straight from the database.
 */
export function measureParley(
  create: () => Promise<BenchDatabase>,
  settings: BenchSettings,
  nodeArgs: string[] = [],
  dist?: string,
): Promise<TargetRun> {
  return measureStored(
    create,
    (database) => startParley(database.url, settings.logLevel, nodeArgs, {}, dist),
    async (server) => messageBodies(await createPairChats(server.url)),
    settings,
  );
}

/** A server that stores into a fresh database: its sized load, then the messages counted in the database. */
async function measureStored(
  create: () => Promise<BenchDatabase>,
  start: (database: BenchDatabase) => Promise<Server>,
  bodiesFor: (server: Server) => Promise<string[]>,
  settings: BenchSettings,
): Promise<TargetRun> {
  const database = await create();
  try {
    const server = await start(database);
    let loads: WarmLoad;
    try {
      loads = await warmThenMeasure(server, await bodiesFor(server), settings);
    } finally {
      await server.stop();
    }
    const found = await database.scalar('SELECT count(*) FROM messages');
    return { load: loads.measured, check: countCheck(found, loads.warmup, loads.measured), server: loads.server };
  } finally {
    await database.drop();
  }
}

/** pgbench on a database seeded by Parley exactly as the Parley runs are, with `clients` connections. */
async function measurePgbench(settings: BenchSettings, clients: number): Promise<TargetRun> {
  const database = await createPostgresDatabase('pgbench');
  try {
    const server = await startParley(database.url, settings.logLevel);
    try {
      assertNumberedPairs(await createPairChats(server.url));
    } finally {
      await server.stop();
    }
    const base = { url: database.url, script: addMessageScript(PAIR_CHATS), clients };
    const warmup = await runPgbench({ ...base, seconds: Math.max(1, settings.warmup) });
    const measured = await runPgbench({ ...base, seconds: settings.duration });
    const found = await database.scalar('SELECT count(*) FROM messages');
    return { load: measured, check: countCheck(found, warmup, measured) };
  } finally {
    await database.drop();
  }
}

/** The pgbench script computes members from the chat id: chat k holds users 2k-1 and 2k. */
function assertNumberedPairs(chats: readonly TargetChat[]): void {
  chats.forEach(({ chat, members }, index) => {
    const k = index + 1;
    if (chat !== String(k) || members[0] !== String(2 * k - 1) || members[1] !== String(2 * k)) {
      throw new Error(`expected chat ${k} of users ${2 * k - 1}, ${2 * k}; got chat ${chat} of ${members.join(', ')}`);
    }
  });
}

/** The ceiling stores nothing: the same bodies as Parley gets, with the ids a fresh database would give. */
function placeholderChats(): TargetChat[] {
  return Array.from({ length: PAIR_CHATS }, (_, index) => ({
    chat: String(index + 1),
    members: [String(2 * index + 1), String(2 * index + 2)],
  }));
}

interface WarmLoad {
  warmup: LoadResult;
  measured: LoadResult;
  server: NonNullable<TargetRun['server']>;
}

/** An unmeasured warm-up (JIT, caches, pools), then the measured run; both drained, both counted. */
async function warmThenMeasure(server: Server, bodies: readonly string[], settings: BenchSettings): Promise<WarmLoad> {
  const base = {
    url: server.url,
    path: '/messages/add',
    bodies,
    connections: settings.connections,
    watch: [server.pid],
    generator: settings.generator,
  };
  const warmup = await runLoad({ ...base, seconds: settings.warmup });
  const before = await scrapeFigures(server.url);
  let halfway: ServerFigures = {};
  const sample = setTimeout(async () => {
    halfway = await scrapeFigures(server.url);
  }, settings.duration * 500);
  const measured = await runLoad({ ...base, seconds: settings.duration });
  clearTimeout(sample);
  const after = await scrapeFigures(server.url);
  const figures = {
    writesPerCommit: writesPerCommit(before, after),
    poolInUse: halfway.poolInUse,
    poolWaiting: halfway.poolWaiting,
  };
  return { warmup, measured, server: figures };
}
