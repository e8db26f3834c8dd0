import { readFileSync } from 'node:fs';
import { Subscribers } from './live/subscribers.js';
import { createPostgresDatabase, postgresReachable } from './support/databases.js';
import { runBench } from './support/entry.js';
import { type Server, startParley } from './support/processes.js';
import { percentile, Samples } from './support/stats.js';
import { fixed, markdownTable, ms, ratio } from './support/table.js';

/**
 * Live delivery: N subscribers of one chat on process B (or on A itself), messages posted on process A,
 * both on one PostgreSQL database and Redis. Delivery latency runs from the 201 of /messages/add to the
 * arrival of the event on each stream; the baseline, measured in the same run, is the /messages/add
 * round trip itself. Memory per subscriber is the growth of B's RSS while its streams open, divided by N.
 */
const SUBSCRIBERS = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1_000);
const MESSAGES = Number(process.env.BENCH_LIVE_MESSAGES ?? 200);
const INTERVAL_MS = Number(process.env.BENCH_LIVE_INTERVAL_MS ?? 20);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, path: string, body: unknown): Promise<string> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

interface Figures {
  where: string;
  deliveries: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  postP50: number;
  rssPerSubscriberKiB: number;
}

/** Opens the streams on `listener`, posts on `writer` at a steady pace, and measures each delivery. */
async function measure(where: string, writer: Server, listener: Server, chat: string, author: string) {
  const rssBefore = rssKiB(listener.pid);
  const subscribers = new Subscribers();
  await subscribers.open(listener.url, `chat=${chat}`, SUBSCRIBERS);
  await sleep(1_000);
  const rssAfter = rssKiB(listener.pid);
  const posted = new Map<string, number>();
  const roundTrips = new Samples();
  for (let i = 0; i < MESSAGES; i++) {
    const started = performance.now();
    const id = await post(writer.url, '/messages/add', { chat, author, text: `live ${i}` });
    const answered = performance.now();
    posted.set(id, answered);
    roundTrips.push(answered - started);
    if (i % 50 === 0) process.stderr.write(`  ${where}: ${i}/${MESSAGES} messages\n`);
    await sleep(INTERVAL_MS);
  }
  // Whatever is still on its way arrives within a few poll periods.
  for (let waited = 0; waited < 5_000 && countArrivals(subscribers) < MESSAGES * SUBSCRIBERS; waited += 100) {
    await sleep(100);
  }
  subscribers.close();
  const latencies = new Samples();
  for (const [id, answeredAt] of posted) {
    for (const arrival of subscribers.arrivals.get(id) ?? []) latencies.push(Math.max(0, arrival - answeredAt));
  }
  const values = latencies.all;
  return {
    where,
    deliveries: values.length,
    expected: MESSAGES * SUBSCRIBERS,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: percentile(values, 1),
    postP50: percentile(roundTrips.all, 0.5),
    rssPerSubscriberKiB: (rssAfter - rssBefore) / SUBSCRIBERS,
  } satisfies Figures;
}

function countArrivals(subscribers: Subscribers): number {
  let count = 0;
  for (const times of subscribers.arrivals.values()) count += times.length;
  return count;
}

runBench('live', async ({ machine, log, save }) => {
  if (!(await postgresReachable())) throw new Error('bench:live needs PostgreSQL (BENCH_POSTGRES_URL)');
  const database = await createPostgresDatabase('live');
  const env = { REDIS_URL };
  const a = await startParley(database.url, 'warn', [], env);
  const b = await startParley(database.url, 'warn', [], env);
  const ann = await post(a.url, '/users/add', { username: 'ann' });
  const bob = await post(a.url, '/users/add', { username: 'bob' });
  const chat = await post(a.url, '/chats/add', { name: 'live', users: [ann, bob] });

  const across = await measure('subscribers on B, posts on A (Redis)', a, b, chat, ann);
  const same = await measure('subscribers and posts on A', a, a, chat, ann);
  await a.stop();
  await b.stop();

  const rows = [across, same].map((figures) => [
    figures.where,
    `${figures.deliveries}/${figures.expected}`,
    ms(figures.p50),
    ms(figures.p99),
    ms(figures.max),
    ms(figures.postP50),
    ratio(figures.p50 / figures.postP50),
    `${fixed(figures.rssPerSubscriberKiB, 1)} KiB`,
  ]);
  const table = markdownTable(
    ['where', 'delivered', 'p50', 'p99', 'max', '/messages/add p50', 'p50 ÷ add p50', 'RSS per subscriber'],
    rows,
  );
  const report = [
    `Live delivery: ${SUBSCRIBERS} subscribers of one chat, ${MESSAGES} messages one every ${INTERVAL_MS} ms`,
    `(PostgreSQL + Redis, two server processes). ${machine}`,
    '',
    table,
  ].join('\n');
  log(report);
  save({ live: [across, same] });
});
