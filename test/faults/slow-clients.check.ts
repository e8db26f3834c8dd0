/**
 * How soon the server acts on slow and idle clients, and how promptly it serves the others meanwhile: the
 * figures of reliability.md. Its assertions are deadlines, so it runs under npm run test:faults only;
 * slow-clients.test.ts asserts the outcomes of the same load without any, in npm test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { HTTP_TIMEOUTS, type HttpTimeouts, PIPELINING_LIMIT } from '../../src/http/app.js';
import { faultSeed, percentile, rssMiB, scaled, seededRandom, sleep, watchRss } from '../support/faults.js';
import { ensureBuilt, killGroup, startServer } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';
import { ServerWatch } from '../support/server-watch.js';
import { PEAK_RSS_LIMIT_MIB, startChatServer } from './chat-server.js';
import { KeepAliveLoad } from './keep-alive-load.js';
import { addHistory, sendWithoutReading } from './non-readers.js';
import { type SlowClient, SlowCrowd } from './slow-loris.js';

const SEED = faultSeed();
/** A failure ends the test instead of leaving it hanging. */
const TEST_TIMEOUT = { timeout: scaled(120_000, 600_000) };
const CONNECTIONS = 1_000;
const LOAD_MS = scaled(6_000, 60_000);
const SLOW_PER_KIND = 20;
/** Short timeouts for the loaded server, so that the test sees them act without waiting for production ones. */
const TIMEOUTS: HttpTimeouts = {
  headers: 2_000,
  request: 3_000,
  keepAlive: 2_500,
  idleSocket: 4_000,
  checkInterval: 250,
  handler: 10_000,
};
/** Each loaded client asks again 1-2 s after its answer, inside the keep-alive timeout. */
const GAP_MS = { min: 1_000, max: 2_000 };
/** Node 20 keeps an idle connection one second past the keep-alive timeout it announces. */
const KEEP_ALIVE_GRACE_MS = 1_000;
/** A trickle of 1,000 bytes, 100 ms apart, would take 100 s: longer than any timeout, the production ones too. */
const TRICKLE = { everyMs: 100, bytes: 1_000 };
/** What a close may take beyond its timeout and the check interval, besides the time a process could not run. */
const SLACK_MS = 1_000;

/** How long after `from` each connection was closed by the server, in ms. */
const closedAfter = async (connections: readonly RawConnection[], from: (connection: RawConnection) => number) =>
  Promise.all(connections.map(async (connection) => (await connection.closed) - from(connection)));

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const range = (values: readonly number[]) =>
  `${(Math.min(...values) / 1000).toFixed(2)}-${(Math.max(...values) / 1000).toFixed(2)} s`;

/**
 * Asserts that every connection was closed `expected` ms after it opened, not before, and answered with a 408
 * problem. The answer can be lost on the way: the server closes while the client is still sending, and the
 * reset that the client's unread bytes provoke may discard the answer before the client reads it (seen here
 * only with both cores saturated). So each answer that arrived must be that problem, and most must arrive.
 */
async function assertClosedOnTime(what: string, clients: SlowClient[], expected: number, latest: number) {
  const connections = clients.map((client) => client.connection);
  const after = await closedAfter(connections, (connection) => connection.opened);
  assert.ok(Math.min(...after) >= expected - 100, `${what} closed early: ${range(after)}`);
  assert.ok(Math.max(...after) <= latest, `${what} closed late: ${range(after)}, by ${seconds(latest)} at the latest`);
  const answered = connections.filter((connection) => connection.received.length > 0);
  for (const connection of answered) {
    assert.match(connection.received.toString(), /^HTTP\/1\.1 408 .*application\/problem\+json/s, what);
  }
  assert.ok(answered.length > connections.length / 2, `${what}: ${answered.length} of ${connections.length} answered`);
  return `${range(after)} (${answered.length} of ${connections.length} read their 408)`;
}

/**
 * Each kind of slow client in the crowd is closed once its timeout has passed, and not much later: by the
 * check interval, the slack and `lagMs` (the worst event-loop lag seen). Returns how long each kind took.
 */
async function assertCrowdClosedOnTime(slow: SlowCrowd, timeouts: HttpTimeouts, lagMs: number) {
  const closedBy = (timeout: number) => timeout + timeouts.checkInterval + SLACK_MS + lagMs;
  const onTime = (what: string, kind: 'headers' | 'body' | 'silent', timeout: number) =>
    assertClosedOnTime(what, slow.of(kind), timeout, closedBy(timeout));
  return {
    headers: await onTime('a client trickling its headers', 'headers', timeouts.headers),
    bodies: await onTime('a client trickling its body', 'body', timeouts.request),
    silent: await onTime('a client that sends nothing', 'silent', timeouts.headers),
  };
}

describe('slow clients', () => {
  let directory: string;
  before(async () => {
    await ensureBuilt();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-slow-'));
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  const startLoadServer = (name: string) => startChatServer(TIMEOUTS, path.join(directory, name));

  test(
    'under 1,000 keep-alive connections and slow-loris clients, others are served, memory stays bounded, and slow and idle connections are closed on time',
    TEST_TIMEOUT,
    async (t) => {
      const server = await startLoadServer('load.db');
      const { port, pid, users } = server;
      const watch = new ServerWatch(port);
      t.after(async () => {
        watch.stop();
        await server.stop();
      });
      const probe = await RawConnection.connect(port);
      const idleLatency: number[] = [];
      for (let i = 0; i < 50; i++) idleLatency.push((await probe.post('/chats/get', { user: users[0] })).ms);
      const rssAtRest = rssMiB(pid) ?? 0;
      const rss = watchRss(pid);
      t.after(() => rss.stop());
      await watch.connections();

      // 1,000 clients on connections of their own, each asking every 1-2 s, and the slow ones.
      const load = new KeepAliveLoad(server, { clients: CONNECTIONS, gapMs: GAP_MS, random: seededRandom(SEED) });
      await load.start();
      const slow = new SlowCrowd(port, { perKind: SLOW_PER_KIND, ...TRICKLE });
      await slow.start();

      // Meanwhile a client of its own keeps asking, and notes how long each answer takes.
      const loadedLatency: number[] = [];
      let connectionsHeld = 0;
      const loadStarted = performance.now();
      while (performance.now() - loadStarted < LOAD_MS) {
        loadedLatency.push((await probe.post('/chats/get', { user: users[0] })).ms);
        if (loadedLatency.length % 50 === 0) {
          connectionsHeld = Math.max(connectionsHeld, await watch.connections());
        }
        await sleep(20);
      }
      probe.destroy();
      await load.finish(0);
      const idleAfter = await closedAfter(load.connections, (connection) => connection.lastAnswerAt);
      await watch.connections();
      const late = watch.worstLagMs;
      const closed = await assertCrowdClosedOnTime(slow, TIMEOUTS, late);
      const connectionsAfter = await watch.connections();
      const peakRss = rss.stop();

      t.diagnostic(
        `seed ${SEED}; ${CONNECTIONS} keep-alive connections for ${LOAD_MS / 1000} s plus ${slow.clients.length} slow ` +
          `ones (the server held ${connectionsHeld} at once), ${load.answers} answers to them; another client's ` +
          `latency p50/p99/max ${percentile(loadedLatency, 0.5).toFixed(1)}/${percentile(loadedLatency, 0.99).toFixed(1)}/` +
          `${Math.max(...loadedLatency).toFixed(1)} ms over ${loadedLatency.length} requests (idle server: p50 ` +
          `${percentile(idleLatency, 0.5).toFixed(1)} ms); RSS ${rssAtRest.toFixed(0)} MiB at rest, peak ` +
          `${peakRss.toFixed(0)} MiB; closed by the server: idle keep-alive ${range(idleAfter)} after the last answer ` +
          `(keep-alive ${seconds(TIMEOUTS.keepAlive)}), header trickle ${closed.headers}, silent ${closed.silent} ` +
          `(headers ${seconds(TIMEOUTS.headers)}), body trickle ${closed.bodies} (request ${seconds(TIMEOUTS.request)}) ` +
          `after opening; worst event-loop lag (server + test) ${late.toFixed(0)} ms; ${connectionsAfter} connections left`,
      );
      assert.deepEqual(load.failures, [], 'every loaded connection was answered, with 2xx');
      assert.ok(connectionsHeld >= CONNECTIONS, `the server held every connection at once: ${connectionsHeld}`);
      assert.ok(percentile(loadedLatency, 0.99) < 2_000, 'other clients are served promptly');
      assert.ok(peakRss < PEAK_RSS_LIMIT_MIB, `peak RSS ${peakRss.toFixed(0)} MiB`);
      assert.ok(
        Math.min(...idleAfter) >= TIMEOUTS.keepAlive - 100,
        `idle connections closed early: ${range(idleAfter)}`,
      );
      assert.ok(
        Math.max(...idleAfter) <= TIMEOUTS.keepAlive + KEEP_ALIVE_GRACE_MS + TIMEOUTS.checkInterval + SLACK_MS + late,
        `idle connections closed late: ${range(idleAfter)}`,
      );
      assert.ok(connectionsAfter <= 3, `the server let go of its connections: ${connectionsAfter} left`);
    },
  );

  test(
    'a client that stops reading its answers is dropped, and the server does not buffer answers for it without bound',
    TEST_TIMEOUT,
    async (t) => {
      const server = await startLoadServer('readers.db');
      const { port, pid } = server;
      t.after(server.stop);
      await addHistory(server, 10); // 100 KB
      const rssAtRest = rssMiB(pid) ?? 0;
      const rss = watchRss(pid);
      t.after(() => rss.stop());
      const watch = new ServerWatch(port);
      t.after(() => watch.stop());
      const before = await watch.connections();

      // Clients that send far more requests than the server takes ahead of their answers, and read none:
      // dropped once the answers the kernel cannot take reach the limit. A client that reads nothing does
      // not see its connection close either: the server's own count tells when it let go.
      const untilDropped = async (deadline: number) => {
        const started = performance.now();
        let held = 0;
        while (performance.now() - started < deadline) {
          const connections = await watch.connections();
          held = Math.max(held, connections - before);
          if (connections <= before) return { held, after: performance.now() - started };
          await sleep(100);
        }
        return { held, after: Number.POSITIVE_INFINITY };
      };
      const greedy = await sendWithoutReading(server, 10, PIPELINING_LIMIT * 10);
      const greedyDropped = await untilDropped(10_000);
      // Slow readers stay within the limit, and read none of the answers either.
      const readers = await sendWithoutReading(server, 10, PIPELINING_LIMIT);
      const readersDropped = await untilDropped(30_000);
      const peakRss = rss.stop();
      for (const client of [...greedy, ...readers]) client.socket.resume();
      await Promise.all([...greedy, ...readers].map((client) => client.closed));
      const answered = (clients: RawConnection[]) => Math.max(...clients.map((client) => client.received.length));

      t.diagnostic(
        `10 clients sending ${PIPELINING_LIMIT * 10} requests ahead and reading nothing: dropped ` +
          `${seconds(greedyDropped.after)} after they sent, ${answered(greedy)} bytes answered at most; 10 clients ` +
          `asking ${PIPELINING_LIMIT} times for a 100 KB history and reading nothing: ${readersDropped.held} held, ` +
          `all dropped ${seconds(readersDropped.after)} after they asked (keep-alive ${seconds(TIMEOUTS.keepAlive)}, ` +
          `idle ${seconds(TIMEOUTS.idleSocket)}); RSS ${rssAtRest.toFixed(0)} MiB before, peak ${peakRss.toFixed(0)} MiB`,
      );
      assert.ok(greedyDropped.after < 10_000, 'clients far ahead of their answers are dropped');
      assert.ok(answered(greedy) < PIPELINING_LIMIT * 10 * 100_000, 'before they are answered in full');
      assert.equal(readersDropped.held, readers.length, 'the server had every slow reader open');
      assert.ok(readersDropped.after < 30_000, 'the server dropped the slow readers');
      assert.ok(peakRss < rssAtRest + 150, `answers nobody reads are not piled up: peak ${peakRss.toFixed(0)} MiB`);
    },
  );

  test(
    'the real server closes idle, trickling and silent connections at its production timeouts',
    TEST_TIMEOUT,
    async (t) => {
      const server = await startServer('node', ['dist/main.js'], {
        DATABASE_URL: `sqlite:${path.join(directory, 'production.db')}`,
      });
      const port = Number(new URL(server.url).port);
      const watch = new ServerWatch(port);
      t.after(async () => {
        watch.stop();
        killGroup(server.child, 'SIGKILL');
        await server.exited;
      });
      await watch.connections();
      const idle = await RawConnection.connect(port);
      const answer = await idle.post('/users/add', { username: 'idle' });
      assert.equal(answer.headers['keep-alive'], `timeout=${HTTP_TIMEOUTS.keepAlive / 1000}`);
      const slow = new SlowCrowd(port, { perKind: SLOW_PER_KIND, ...TRICKLE });
      await slow.start();
      let watching = true;
      const watching$ = (async () => {
        while (watching) {
          await watch.connections();
          await sleep(1_000);
        }
      })();
      t.after(async () => {
        watching = false;
        await watching$;
      });

      const [idleAfter = Number.NaN] = await closedAfter([idle], (connection) => connection.lastAnswerAt);
      const closed = await assertCrowdClosedOnTime(slow, HTTP_TIMEOUTS, watch.worstLagMs);
      t.diagnostic(
        `production timeouts: idle keep-alive closed ${seconds(idleAfter)} after its answer (keep-alive ` +
          `${seconds(HTTP_TIMEOUTS.keepAlive)}), header trickle ${closed.headers} and silent ${closed.silent} (headers ` +
          `${seconds(HTTP_TIMEOUTS.headers)}), body trickle ${closed.bodies} (request ${seconds(HTTP_TIMEOUTS.request)}) ` +
          `after opening; worst event-loop lag (server + test) ${watch.worstLagMs.toFixed(0)} ms`,
      );
      assert.ok(idleAfter >= HTTP_TIMEOUTS.keepAlive - 100, 'an idle connection is kept for the keep-alive timeout');
      assert.ok(
        idleAfter <=
          HTTP_TIMEOUTS.keepAlive + KEEP_ALIVE_GRACE_MS + HTTP_TIMEOUTS.checkInterval + SLACK_MS + watch.worstLagMs,
        'and closed soon after',
      );
    },
  );
});
