import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { runCommand } from '../support/command.js';
import { cpuSnapshot, cpuUsage } from '../support/cpu-usage.js';
import { outDir } from '../support/paths.js';
import type { LoadResult, LoadSpec } from './http-load.js';

/** Whether wrk (Debian's package `wrk`) is on the PATH. */
export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * The script wrk runs: it builds every request once from a file of bodies (one JSON document per
 * line), sends them in turn, and prints its figures as one line for this process to read.
 */
const SCRIPT = `
local requests = {}
local turn = 0

function init(args)
  for body in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("POST", args[2], { ["Content-Type"] = "application/json" }, body)
  end
  turn = tonumber(args[3])
end

function request()
  turn = turn % #requests + 1
  return requests[turn]
end

function done(summary, latency)
  local e = summary.errors
  io.write(string.format("wrk-figures %d %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

/** One wrk thread: on two cores, a second would take CPU from the server it measures. */
const THREADS = 1;

/**
 * Runs wrk for `spec.seconds` (whole seconds, at least one). wrk is written in C and spends less CPU
 * per request than autocannon in this process (about half, against Parley): on a machine whose cores the
 * server shares with its load, it leaves the server more of them. Its timed stop drops the answers in flight,
 * at most one per connection: the result says so (`unseen`), and a count check allows for them.
 */
export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = outDir('wrk');
  const name = `${process.pid}-${Date.now()}`;
  const script = path.join(dir, `${name}.lua`);
  const bodies = path.join(dir, `${name}.jsonl`);
  writeFileSync(script, SCRIPT);
  // JSON.stringify never writes a raw line break: one body per line.
  writeFileSync(bodies, `${spec.bodies.join('\n')}\n`);
  const seconds = Math.max(1, Math.round(spec.seconds));
  const args = ['-t', String(THREADS), '-c', String(spec.connections), '-d', `${seconds}s`, '--timeout', '10s'];
  args.push('-s', script, `${spec.url}${spec.path}`, '--', bodies, spec.path, '0');
  const pids = [process.pid, ...(spec.watch ?? [])];
  const before = cpuSnapshot(pids);
  let output: string;
  try {
    output = await runCommand('wrk', args, dir, seconds + 30);
  } finally {
    rmSync(script, { force: true });
    rmSync(bodies, { force: true });
  }
  // wrk has exited and been reaped: its CPU is in this process's children's time.
  const cpu = cpuUsage(before, cpuSnapshot(pids), availableParallelism());
  const line = /^wrk-figures (.*)$/m.exec(output);
  if (!line) throw new Error(`wrk printed no figures: ${output.slice(-2000)}`);
  const [answered = 0, micros = 0, connect = 0, read = 0, write = 0, non2xx = 0, timeout = 0, p50 = 0, p99 = 0] = (
    line[1] as string
  )
    .split(' ')
    .map(Number);
  const ok = answered - non2xx;
  const elapsed = micros / 1e6;
  return {
    answered,
    ok,
    non2xx,
    errors: connect + read + write + timeout,
    seconds: elapsed,
    rate: elapsed > 0 ? ok / elapsed : 0,
    p50: p50 / 1000,
    p99: p99 / 1000,
    unseen: spec.connections,
    statuses: non2xx > 0 ? { '2xx': ok, 'non-2xx': non2xx } : { '2xx': ok },
    cpu,
  };
}
