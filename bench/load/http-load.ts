import { availableParallelism } from 'node:os';
import autocannon, { type Client } from 'autocannon';
import { type CpuUsage, cpuSnapshot, cpuUsage } from '../support/cpu-usage.js';
import { percentile, Samples } from '../support/stats.js';
import { runWrk } from './wrk-load.js';

/** The programs that can load a server: wrk (C, from Debian's packages) or autocannon (Node, from npm). */
export type LoadGenerator = 'wrk' | 'autocannon';

/** One run of POSTs for a fixed time, after which every request in flight is still waited for. */
export interface LoadSpec {
  url: string;
  path: string;
  /** Request bodies in random order; each connection cycles through a window of its own. */
  bodies: readonly string[];
  connections: number;
  seconds: number;
  /** Processes besides this one whose CPU counts as the benchmark's own (the server). */
  watch?: readonly number[];
  /** autocannon unless named: its runs end drained, which keeps count checks exact. */
  generator?: LoadGenerator;
}

export interface LoadResult {
  answered: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** 2xx answers per second, from the start of the run to the last answer received. */
  rate: number;
  p50: number;
  p99: number;
  /** Requests that may have reached the server without their answers being counted: in flight when the generator stopped. */
  unseen: number;
  statuses: Record<string, number>;
  /** Cores used during the run: by the load generator and the server, the database, everything else, stolen. */
  cpu?: CpuUsage;
}

/** However fast the server, a run never sends more than this. */
const MAX_REQUESTS = 20_000_000;
/** Bodies each connection cycles through; each is built into a request buffer once. */
const WINDOW = 200;

/** Runs the load of `spec` with its generator. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return spec.generator === 'wrk' ? runWrk(spec) : runAutocannon(spec);
}

/**
 * Runs autocannon against one path for `spec.seconds`, then lets every connection finish the request
 * it has in flight before it stops: the run ends with every request answered, so that what the server
 * stored can be checked exactly against the 2xx answers counted (autocannon's own timed stop drops the
 * answers in flight, which the server may well have committed). Latencies are recorded here from
 * autocannon's per-request timings, in fractional milliseconds (its histograms keep whole ones).
 */
async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new Samples();
  const clients: Client[] = [];
  const pids = [process.pid, ...(spec.watch ?? [])];
  let started = performance.now();
  let lastAnswer = started;
  let cpuBefore = cpuSnapshot(pids);
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    amount: MAX_REQUESTS,
    sampleInt: 100,
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ path: spec.path, body: spec.bodies[0] }],
    // A setupRequest per request would cost the client, on the same two cores, as much as the server.
    setupClient: (client) => {
      client.setRequests(windowOf(spec.bodies, clients.length).map((body) => ({ path: spec.path, body })));
      clients.push(client);
    },
  });
  // Timed from when every connection is set up, as autocannon's own figures are.
  instance.on('start', () => {
    started = performance.now();
    cpuBefore = cpuSnapshot(pids);
  });
  instance.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms);
    lastAnswer = performance.now();
  });
  const drain = setTimeout(() => {
    // A client stops once it has as many answers as requests made (autocannon's `amount` mechanism).
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  }, spec.seconds * 1000);
  let cut = false;
  const watchdog = setTimeout(
    () => {
      cut = true;
      instance.stop();
    },
    (spec.seconds + 15) * 1000,
  );
  const result = await instance;
  const cpu = cpuUsage(cpuBefore, cpuSnapshot(pids), availableParallelism());
  clearTimeout(drain);
  clearTimeout(watchdog);

  const seconds = (lastAnswer - started) / 1000;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const ok = Object.entries(statuses).reduce((sum, [code, count]) => (code.startsWith('2') ? sum + count : sum), 0);
  return {
    answered: latencies.all.length,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds,
    rate: seconds > 0 ? ok / seconds : 0,
    p50: percentile(latencies.all, 0.5),
    p99: percentile(latencies.all, 0.99),
    unseen: cut ? spec.connections : 0,
    statuses,
    cpu,
  };
}

/** The bodies a connection cycles through: a window of them, from a place of its own in the list. */
function windowOf(bodies: readonly string[], client: number): string[] {
  const start = (client * 7919) % bodies.length;
  const size = Math.min(WINDOW, bodies.length);
  return Array.from({ length: size }, (_, index) => bodies[(start + index) % bodies.length] as string);
}
