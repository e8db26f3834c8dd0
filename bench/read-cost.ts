import pg from 'pg';
import { openSqliteDatabase } from '../src/storage/sqlite/open-database.js';
import { postgresEscaping, sqliteEscaping } from './read-cost/escaping.js';
import { postgresSteps } from './read-cost/postgres-steps.js';
import { sqliteSteps } from './read-cost/sqlite-steps.js';
import type { Step } from './read-cost/steps.js';
import { type Cost, measureCost } from './read-cost/timing.js';
import { READ_LABELS } from './suites/read-suite.js';
import { type ReadDataset, readBackendAvailable, readDataset } from './suites/read-targets.js';
import { runBench } from './support/entry.js';
import { settle } from './support/quiet.js';
import { markdownTable } from './support/table.js';

/**
 * `npx tsx bench/read-cost.ts`: the three reads of the read figures taken apart in this process, without
 * HTTP, on the same data (BENCH_READS): each step of today's path alone (the queries, rows → entities,
 * the serializer, the stream), today's path whole, and the alternatives a fast path could take, each
 * checked to give the captured answer byte for byte. µs of CPU per call; for PostgreSQL also its server's.
 */
runBench('read-cost', async ({ settings, log, save }) => {
  const figures: { backend: string; read: string; step: string; cost: Cost; identical?: boolean }[] = [];
  const escaping: Record<string, string> = {};
  for (const backend of settings.reads) {
    if (!(await readBackendAvailable(backend))) {
      log(`skipped ${backend}: its database is not reachable`);
      continue;
    }
    const dataset = await readDataset(backend, settings, log);
    const opened = await open(dataset);
    try {
      escaping[backend] = await opened.escaping();
      await settle(settings, log);
      for (const step of opened.steps) {
        const captured = dataset.answers.find(({ read }) => read.name === step.read)?.bytes;
        const identical = step.answer
          ? Buffer.from((await step.run()) as string | Buffer).equals(captured as Buffer)
          : undefined;
        const cost = await measureCost(step.run, opened.databasePid);
        figures.push({ backend, read: step.read, step: step.name, cost, identical });
        log(
          `${backend} ${step.read} ${step.name}: ${micros(cost.node)} here, ${micros(cost.database)} database${identical === false ? ', ANSWER DIFFERS' : ''}`,
        );
      }
    } finally {
      await opened.close();
    }
  }
  const rows = figures.map(({ backend, read, step, cost, identical }) => [
    backend,
    READ_LABELS[read as keyof typeof READ_LABELS],
    step,
    micros(cost.node),
    micros(cost.database),
    micros(cost.wall),
    identical === undefined ? '' : identical ? 'yes' : 'NO',
  ]);
  log('\nEach step alone, µs per call (median of 5 runs of about 0.25 s):\n');
  log(markdownTable(['backend', 'read', 'step', 'CPU here', 'database CPU', 'time', 'answer byte for byte'], rows));
  for (const [backend, verdict] of Object.entries(escaping))
    log(`\n${backend}: JSON escaping of a text in SQL: ${verdict}`);
  save({ figures, escaping });
});

const micros = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} µs` : '–');

interface Opened {
  steps: Step[];
  databasePid?: number;
  escaping(): Promise<string>;
  close(): Promise<void>;
}

/** The data set's database opened here, directly, and its steps. */
async function open(dataset: ReadDataset): Promise<Opened> {
  const body = (name: string) => JSON.parse(dataset.answers.find(({ read }) => read.name === name)?.read.body ?? '{}');
  const ids = { pagedChat: body('page').chat, historyChat: body('history').chat, reader: body('chats').user };
  if (dataset.backend === 'sqlite') {
    const db = openSqliteDatabase(dataset.database.url.slice('sqlite:'.length));
    return {
      steps: sqliteSteps(db, ids),
      escaping: async () => sqliteEscaping(db),
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: dataset.database.url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return {
    steps: await postgresSteps(client, ids),
    databasePid: rows[0]?.pid,
    escaping: () => postgresEscaping(client),
    close: () => client.end(),
  };
}
