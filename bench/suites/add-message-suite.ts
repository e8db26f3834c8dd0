import type { BenchSettings } from '../settings.js';
import { checkHolds, describeCheck } from '../support/count-check.js';
import { settle } from '../support/quiet.js';
import { median } from '../support/stats.js';
import { fixed, markdownTable, ms, ratio } from '../support/table.js';
import { ADD_MESSAGE_TARGETS, type TargetRun } from './add-message-targets.js';

export interface AddMessageFigures {
  /** Per target, one run per round, in round order. */
  runs: Record<string, TargetRun[]>;
  table: string;
}

/**
 * /messages/add at `connections` connections: every available target once per round, in the same
 * order each round, so that a slow minute of the machine falls on all of them alike. Ratios are taken
 * within a round, then their median across rounds is reported.
 */
export async function runAddMessageSuite(
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<AddMessageFigures> {
  log(
    `load generator: ${settings.generator}${settings.generator === 'autocannon' ? ' (wrk is not installed, or BENCH_LOAD says so)' : ''}`,
  );
  const names: string[] = [];
  for (const name of settings.targets) {
    const target = ADD_MESSAGE_TARGETS[name];
    if (target === undefined) throw new Error(`unknown target ${name}; known: ${Object.keys(ADD_MESSAGE_TARGETS)}`);
    if (await target.available()) names.push(name);
    else
      log(`skipped ${target.name}: its database is not reachable (or, for a baseline, BENCH_BASELINE_DIST is unset)`);
  }
  const runs: Record<string, TargetRun[]> = Object.fromEntries(names.map((name) => [name, []]));
  if (names.includes('ceiling')) {
    // autocannon runs in this process: warm its JIT (and the machine) before the first measured run.
    await ADD_MESSAGE_TARGETS.ceiling?.measure(settings);
    log('primed the load generator with one unmeasured ceiling run');
  }
  for (let round = 1; round <= settings.rounds; round++) {
    for (const name of names) {
      const target = ADD_MESSAGE_TARGETS[name] as (typeof ADD_MESSAGE_TARGETS)[string];
      await settle(settings, log);
      const run = await target.measure(settings);
      runs[name]?.push(run);
      log(`round ${round}/${settings.rounds} ${target.name}: ${describeRun(run)}`);
    }
  }
  return { runs, table: addMessageTable(runs, settings.quietCores) };
}

export function describeRun({ load, check, server }: TargetRun): string {
  const count = check ? `, ${describeCheck(check)}` : '';
  const batches = server?.writesPerCommit === undefined ? '' : `, ${server.writesPerCommit.toFixed(1)} writes/commit`;
  const pool =
    server?.poolInUse === undefined ? '' : `, pool ${server.poolInUse} in use ${server.poolWaiting ?? 0} waiting`;
  // The server's own CPU per 2xx answer: what one message costs it, whatever the machine's load.
  const perAnswer =
    load.cpu && load.cpu.server > 0 && load.ok > 0
      ? `, server ${((load.cpu.server * load.seconds * 1e6) / load.ok).toFixed(0)} µs CPU per 2xx`
      : '';
  const cpu = load.cpu
    ? `, CPU ours ${cores(load.cpu.ours)} database ${cores(load.cpu.database)} others ${cores(load.cpu.others)}${perAnswer}`
    : '';
  return `${fixed(load.rate)} req/s, p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, ${load.ok} 2xx in ${load.seconds.toFixed(1)} s${count}${batches}${pool}${cpu}`;
}

const cores = (value: number) => `${value.toFixed(2)} cores`;

/** The per-round ratio of `name` to `baseline`, its median over rounds. */
export function medianRatio(runs: Record<string, TargetRun[]>, name: string, baseline: string): number {
  const mine = runs[name] ?? [];
  const theirs = runs[baseline] ?? [];
  return median(mine.map((run, round) => run.load.rate / (theirs[round]?.load.rate ?? Number.NaN)));
}

/**
 * The same, over the rounds in which neither run was disturbed (other processes used fewer than
 * `quietCores` cores during both), with how many rounds that was: "0.32× (1/3)"; "–" when none.
 */
function quietRatio(runs: Record<string, TargetRun[]>, name: string, baseline: string, quietCores: number): string {
  const mine = runs[name] ?? [];
  const theirs = runs[baseline] ?? [];
  const quiet = (run: TargetRun | undefined) => run?.load.cpu !== undefined && run.load.cpu.others < quietCores;
  const ratios = mine.flatMap((run, round) =>
    quiet(run) && quiet(theirs[round]) ? [run.load.rate / (theirs[round] as TargetRun).load.rate] : [],
  );
  return ratios.length === 0 ? '–' : `${ratio(median(ratios))} (${ratios.length}/${mine.length})`;
}

function addMessageTable(runs: Record<string, TargetRun[]>, quietCores: number): string {
  const rows = Object.entries(runs).map(([name, list]) => {
    const loads = list.map((run) => run.load);
    const failures = loads.reduce((sum, load) => sum + load.errors + load.non2xx, 0);
    const checks = list.flatMap((run) => (run.check ? [run.check] : []));
    const held = checks.filter(checkHolds).length;
    return [
      ADD_MESSAGE_TARGETS[name]?.name ?? name,
      fixed(median(loads.map((load) => load.rate))),
      ms(median(loads.map((load) => load.p50))),
      ms(median(loads.map((load) => load.p99))),
      String(failures),
      name === 'ceiling' ? '1.00×' : ratio(medianRatio(runs, name, 'ceiling')),
      name === 'ceiling' ? '' : quietRatio(runs, name, 'ceiling', quietCores),
      name.startsWith('postgres') ? ratio(medianRatio(runs, name, 'pgbench')) : '',
      name.startsWith('postgres') ? quietRatio(runs, name, 'pgbench', quietCores) : '',
      checks.length === 0 ? 'n/a' : `${held}/${checks.length} held`,
      loads.some((load) => load.cpu) ? median(loads.map((load) => load.cpu?.others ?? Number.NaN)).toFixed(2) : '–',
    ];
  });
  const header = [
    'target',
    'req/s',
    'p50',
    'p99',
    'errors+non-2xx',
    '× ceiling',
    'quiet rounds',
    '× pgbench',
    'quiet rounds',
    'count check',
    'other CPU',
  ];
  return markdownTable(header, rows);
}
