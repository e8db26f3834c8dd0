import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { statements } from '../../src/storage/postgres/statements.js';
import { runCommand } from '../support/command.js';
import { cpuSnapshot, cpuUsage } from '../support/cpu-usage.js';
import { outDir } from '../support/paths.js';
import { percentile, Samples } from '../support/stats.js';
import type { LoadResult } from './http-load.js';

export const PGBENCH_TEXT = 'the benchmark says hi';

/**
 * A pgbench script that runs Parley's own add-message statement, taken from the PostgreSQL backend at
 * run time (so it follows any change there), on a random chat of `chats` two-member chats by one of its
 * two members: chat k holds users 2k-1 and 2k, as createPairChats makes them. The parameters become
 * pgbench variables; the time, a parameter in Parley, is `now()` here.
 */
export function addMessageScript(chats: number): string {
  const sql = statements
    .addMessage('0', '0', '', '')
    .text.replaceAll('$1', ':chat')
    .replaceAll('$2', ':author')
    .replaceAll('$3', `'${PGBENCH_TEXT}'`)
    .replaceAll('$4::timestamptz', 'now()');
  return [`\\set chat random(1, ${chats})`, '\\set author 2 * :chat - 1 + random(0, 1)', `${sql.trim()};`, ''].join(
    '\n',
  );
}

export interface PgbenchSpec {
  url: string;
  script: string;
  clients: number;
  seconds: number;
}

/** Runs pgbench with prepared statements for `seconds`, logging every transaction to compute p50/p99. */
export async function runPgbench(spec: PgbenchSpec): Promise<LoadResult> {
  const dir = outDir('pgbench');
  const scriptFile = path.join(dir, `add-message-${process.pid}.sql`);
  writeFileSync(scriptFile, spec.script);
  const logPrefix = `log-${process.pid}-${Date.now()}`;
  const threads = Math.min(2, spec.clients);
  const args = ['-n', '-M', 'prepared', '-c', String(spec.clients), '-j', String(threads)];
  args.push('-T', String(Math.max(1, Math.round(spec.seconds))), '-f', scriptFile, '-l');
  args.push('--log-prefix', path.join(dir, logPrefix), spec.url);
  const before = cpuSnapshot([process.pid]);
  const output = await runCommand('pgbench', args, dir, spec.seconds * 3 + 30);
  // pgbench has exited and been reaped: its CPU is in this process's children's time.
  const cpu = cpuUsage(before, cpuSnapshot([process.pid]), availableParallelism());
  const latencies = readLatencies(dir, logPrefix);
  const processed = figure(output, /number of transactions actually processed: (\d+)/);
  const failed = figure(output, /number of failed transactions: (\d+)/, 0);
  const rate = figure(output, /tps = ([\d.]+) \(without initial connection time\)/);
  return {
    answered: processed + failed,
    ok: processed,
    non2xx: failed,
    errors: 0,
    seconds: rate > 0 ? processed / rate : 0,
    rate,
    p50: percentile(latencies.all, 0.5),
    p99: percentile(latencies.all, 0.99),
    unseen: 0,
    statuses: {},
    cpu,
  };
}

function figure(output: string, pattern: RegExp, fallback?: number): number {
  const match = pattern.exec(output);
  if (match) return Number(match[1]);
  if (fallback !== undefined) return fallback;
  throw new Error(`pgbench output lacks ${pattern}: ${output}`);
}

/** Each log line: client, transaction, latency in µs, ...; one file per thread. Read, then removed. */
function readLatencies(dir: string, prefix: string): Samples {
  const samples = new Samples();
  for (const file of readdirSync(dir).filter((name) => name.startsWith(`${prefix}.`))) {
    const full = path.join(dir, file);
    for (const line of readFileSync(full, 'utf8').split('\n')) {
      const micros = line.split(' ')[2];
      if (micros !== undefined) samples.push(Number(micros) / 1000);
    }
    rmSync(full);
  }
  return samples;
}
