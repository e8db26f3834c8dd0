import { readdirSync, readFileSync, statSync } from 'node:fs';

/**
 * Where the machine's CPU went during a run, in cores: the benchmark's own processes (this one, which
 * runs the load generator, its reaped children such as pgbench, and the server), the database servers
 * (processes of the `postgres` and `mysql` users), everything else that was busy (other users of the
 * machine), and what the hypervisor took (steal). On a shared two-core machine, `others` says how much
 * a figure was disturbed. Linux only; zeros elsewhere.
 */
export interface CpuUsage {
  ours: number;
  /** Of `ours`, the watched processes other than this one (the server). */
  server: number;
  database: number;
  others: number;
  steal: number;
}

interface Snapshot {
  busy: number;
  steal: number;
  total: number;
  ours: number;
  server: number;
  database: number;
}

const DATABASE_USERS = ['postgres', 'mysql'];

/** The uids of the database servers' system users, read once. */
const databaseUids: ReadonlySet<number> = (() => {
  try {
    const lines = readFileSync('/etc/passwd', 'utf8').split('\n');
    return new Set(
      lines
        .map((line) => line.split(':'))
        .flatMap(([name, , uid]) => (DATABASE_USERS.includes(name ?? '') ? [Number(uid)] : [])),
    );
  } catch {
    return new Set<number>();
  }
})();

export function cpuSnapshot(pids: readonly number[]): Snapshot {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq;
    const server = pids.reduce((sum, pid) => (pid === process.pid ? sum : sum + processTicks(pid)), 0);
    const ours = server + (pids.includes(process.pid) ? processTicks(process.pid, true) : 0);
    return { busy, steal, total: busy + idle + iowait + steal, ours, server, database: databaseTicks() };
  } catch {
    return { busy: 0, steal: 0, total: 0, ours: 0, server: 0, database: 0 };
  }
}

/** utime + stime of a process (all its threads), in clock ticks, with its reaped children's if asked; 0 once gone. */
function processTicks(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const own = (fields[11] ?? 0) + (fields[12] ?? 0);
    return withChildren ? own + (fields[13] ?? 0) + (fields[14] ?? 0) : own;
  } catch {
    return 0;
  }
}

/** Linux counts a process's CPU time in ticks of 1/100 s (USER_HZ), whatever the kernel's own tick. */
const TICK_MICROS = 10_000;

/** CPU time (user + system) of one thread of a process so far, in µs: the main thread's tid is the pid. */
export function threadCpuMicros(pid: number, tid = pid): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return ((fields[11] ?? 0) + (fields[12] ?? 0)) * TICK_MICROS;
  } catch {
    return Number.NaN;
  }
}

function databaseTicks(): number {
  if (databaseUids.size === 0) return 0;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // With reaped children: a backend that ends moves its time into the postmaster's.
      if (databaseUids.has(statSync(`/proc/${entry}`).uid)) ticks += processTicks(Number(entry), true);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** The usage between two snapshots, in cores (the machine's tick counts are spread over all cores). */
export function cpuUsage(before: Snapshot, after: Snapshot, cores: number): CpuUsage {
  const elapsed = (after.total - before.total) / cores;
  if (elapsed <= 0) return { ours: 0, server: 0, database: 0, others: 0, steal: 0 };
  const ours = (after.ours - before.ours) / elapsed;
  const server = (after.server - before.server) / elapsed;
  const database = (after.database - before.database) / elapsed;
  const busy = (after.busy - before.busy) / elapsed;
  return {
    ours,
    server,
    database,
    others: Math.max(0, busy - ours - database),
    steal: (after.steal - before.steal) / elapsed,
  };
}
