import type { LoadResult } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { settle } from '../support/quiet.js';
import { median } from '../support/stats.js';
import { fixed, markdownTable, ms, ratio } from '../support/table.js';
import { HISTORY_MESSAGES, PAGE, PAGED_CHAT_MESSAGES, READER_CHATS, type ReadName } from '../workload/read-data.js';
import { describeRun } from './add-message-suite.js';
import {
  loadRead,
  READ_TARGETS,
  type ReadDataset,
  readBackendAvailable,
  readDataset,
  readTargetNames,
  withReadServer,
} from './read-targets.js';

/** Runs of one read on one backend: per target, one per round, in round order. */
type TargetRuns = Record<string, LoadResult[]>;

export interface ReadFigures {
  /** backend → read → target → runs. */
  runs: Record<string, Record<string, TargetRuns>>;
  /** backend → read → the answer's size in bytes and items. */
  answers: Record<string, Record<string, { bytes: number; items: number }>>;
  table: string;
  /** The goals that compare backends, one line each. */
  comparisons: string;
}

export const READ_LABELS: Record<ReadName, string> = {
  page: `/messages/get limit ${PAGE} (chat of ${fixed(PAGED_CHAT_MESSAGES)})`,
  history: `/messages/get unpaged (chat of ${fixed(HISTORY_MESSAGES)})`,
  chats: `/chats/get (user in ${READER_CHATS} chats)`,
};

/** The goals for the fast path: Parley's req/s at least this fraction of the bare server's. */
const GOALS: Record<string, Partial<Record<ReadName, number>>> = {
  sqlite: { page: 0.5, history: 0.3, chats: 0.5 },
  postgres: { page: 0.3, history: 0.2 },
};

/**
 * Three reads, each asked again and again at `connections` connections, of Parley and of a bare
 * node:http server answering Parley's own bytes from memory, on every backend named: every target in
 * every round, each read's targets one after the other, so that a ratio is taken between neighbours.
 */
export async function runReadSuite(settings: BenchSettings, log: (line: string) => void): Promise<ReadFigures> {
  log(`reads: load from ${settings.generator}`);
  const datasets: ReadDataset[] = [];
  for (const backend of settings.reads) {
    if (await readBackendAvailable(backend)) datasets.push(await readDataset(backend, settings, log));
    else log(`skipped the ${backend} reads: its database is not reachable`);
  }
  const targets = readTargetNames(settings);
  const runs: ReadFigures['runs'] = Object.fromEntries(
    datasets.map(({ backend, answers }) => [
      backend,
      Object.fromEntries(answers.map(({ read }) => [read.name, Object.fromEntries(targets.map((name) => [name, []]))])),
    ]),
  );
  for (let round = 1; round <= settings.rounds; round++) {
    for (const dataset of datasets) {
      for (const { read, items } of dataset.answers) {
        for (const name of targets) {
          const target = READ_TARGETS[name] as (typeof READ_TARGETS)[string];
          await settle(settings, log);
          const load = await withReadServer(target, dataset, settings, (server) => loadRead(server, read, settings));
          runs[dataset.backend]?.[read.name]?.[name]?.push(load);
          const perItem = perAnswer(load) / items;
          log(
            `round ${round}/${settings.rounds} ${dataset.backend} ${read.name} ${target.name}: ${describeRun({ load })}, ` +
              `${perItem.toFixed(1)} µs per item`,
          );
        }
      }
    }
  }
  const answers = Object.fromEntries(
    datasets.map(({ backend, answers: list }) => [
      backend,
      Object.fromEntries(list.map(({ read, bytes, items }) => [read.name, { bytes: bytes.length, items }])),
    ]),
  );
  return { runs, answers, table: readTable(runs, answers, settings.quietCores), comparisons: comparisons(runs) };
}

/** The server's CPU per 2xx answer, in µs. */
const perAnswer = (load: LoadResult) =>
  load.cpu && load.ok > 0 ? (load.cpu.server * load.seconds * 1e6) / load.ok : Number.NaN;
/** The database servers' CPU per 2xx answer, in µs. */
const databasePerAnswer = (load: LoadResult) =>
  load.cpu && load.ok > 0 ? (load.cpu.database * load.seconds * 1e6) / load.ok : Number.NaN;

/** Per round, `mine` ÷ `theirs` in req/s; the median, and the same over the rounds quiet for both runs. */
function ratios(mine: LoadResult[], theirs: LoadResult[], quietCores: number): { all: number; quiet: string } {
  const quiet = (load: LoadResult | undefined) => load?.cpu !== undefined && load.cpu.others < quietCores;
  const each = mine.map((load, round) => load.rate / (theirs[round]?.rate ?? Number.NaN));
  const calm = each.filter((_, round) => quiet(mine[round]) && quiet(theirs[round]));
  return {
    all: median(each),
    quiet: calm.length === 0 ? '–' : `${ratio(median(calm))} (${calm.length}/${mine.length})`,
  };
}

function readTable(runs: ReadFigures['runs'], answers: ReadFigures['answers'], quietCores: number): string {
  const micros = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} µs` : '–');
  const rows: string[][] = [];
  for (const [backend, reads] of Object.entries(runs)) {
    for (const [read, targets] of Object.entries(reads)) {
      const answer = answers[backend]?.[read] ?? { bytes: Number.NaN, items: Number.NaN };
      const ceiling = targets.ceiling ?? [];
      for (const [name, loads] of Object.entries(targets)) {
        const versus = name === 'ceiling' ? undefined : ratios(loads, ceiling, quietCores);
        const cpu = median(loads.map(perAnswer));
        const goal = GOALS[backend]?.[read as ReadName];
        rows.push([
          backend,
          READ_LABELS[read as ReadName] ?? read,
          `${(answer.bytes / 1000).toFixed(1)} KB, ${answer.items}`,
          READ_TARGETS[name]?.name ?? name,
          fixed(median(loads.map((load) => load.rate))),
          ms(median(loads.map((load) => load.p50))),
          ms(median(loads.map((load) => load.p99))),
          String(loads.reduce((sum, load) => sum + load.errors + load.non2xx, 0)),
          versus ? ratio(versus.all) : '1.00×',
          versus ? versus.quiet : '',
          name === 'parley' && goal !== undefined ? `≥ ${goal.toFixed(2)}×` : '',
          micros(cpu),
          read === 'chats' ? '–' : micros(cpu / answer.items),
          backend === 'postgres' && name !== 'ceiling' ? micros(median(loads.map(databasePerAnswer))) : '',
          median(loads.map((load) => load.cpu?.others ?? Number.NaN)).toFixed(2),
        ]);
      }
    }
  }
  const header = [
    'backend',
    'read',
    'answer (items)',
    'target',
    'req/s',
    'p50',
    'p99',
    'errors+non-2xx',
    '× ceiling',
    'quiet rounds',
    'goal',
    'server CPU per answer',
    'per message',
    'PostgreSQL CPU per answer',
    'other CPU',
  ];
  return markdownTable(header, rows);
}

/** /chats/get on SQLite against PostgreSQL (goal: no slower), and each build against the baseline, if any. */
function comparisons(runs: ReadFigures['runs']): string {
  const lines: string[] = [];
  const sqlite = runs.sqlite?.chats?.parley;
  const postgres = runs.postgres?.chats?.parley;
  if (sqlite && postgres) {
    const { all } = ratios(sqlite, postgres, Number.POSITIVE_INFINITY);
    lines.push(`/chats/get, Parley SQLite ÷ Parley PostgreSQL in req/s, per round: ${ratio(all)} (goal ≥ 1.00×)`);
  }
  for (const [backend, reads] of Object.entries(runs)) {
    for (const [read, targets] of Object.entries(reads)) {
      if (!targets.baseline || !targets.parley) continue;
      const { all } = ratios(targets.parley, targets.baseline, Number.POSITIVE_INFINITY);
      lines.push(
        `${backend} ${READ_LABELS[read as ReadName] ?? read}: Parley ÷ baseline build in req/s: ${ratio(all)}`,
      );
    }
  }
  return lines.join('\n');
}
