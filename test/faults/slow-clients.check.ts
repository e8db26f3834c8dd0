import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { HTTP_TIMEOUTS, type HttpTimeouts, PIPELINING_LIMIT } from '../../src/app.js';
import { faultSeed, percentile, rssMiB, scaled, seededRandom, sleep, watchRss } from '../support/faults.js';
import { ensureBuilt, killGroup, type RunningServer, startServer, startTimedServer } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';

const SEED = faultSeed();
/** A failure ends the test instead of leaving it hanging. */
const TEST_TIMEOUT = { timeout: scaled(120_000, 600_000) };
const CONNECTIONS = 1_000;
const LOAD_MS = scaled(6_000, 60_000);
const SLOW_CLIENTS = 20;
/** Short timeouts for the loaded server, so that the test sees them act without waiting for production ones. */
const TIMEOUTS: HttpTimeouts = {
  headers: 2_000,
  request: 3_000,
  keepAlive: 2_500,
  idleSocket: 4_000,
  checkInterval: 250,
  handler: 10_000,
};
/** Node 20 keeps an idle connection one second past the keep-alive timeout it announces. */
const KEEP_ALIVE_GRACE_MS = 1_000;
const PEAK_RSS_LIMIT_MIB = 400;
/** What a close may take beyond its timeout and the check interval, besides the time a process could not run. */
const SLACK_MS = 1_000;

const portOf = (server: RunningServer) => Number(new URL(server.url).port);

/** Opens connections a hundred at a time, so that the listen backlog never overflows. */
async function openConnections(port: number, count: number): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  while (connections.length < count) {
    const batch = Math.min(100, count - connections.length);
    connections.push(...(await Promise.all(Array.from({ length: batch }, () => RawConnection.connect(port)))));
  }
  return connections;
}

/** How long after `from` each connection was closed by the server, in ms. */
const closedAfter = async (connections: readonly RawConnection[], from: (connection: RawConnection) => number) =>
  Promise.all(connections.map(async (connection) => (await connection.closed) - from(connection)));

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const range = (values: readonly number[]) =>
  `${(Math.min(...values) / 1000).toFixed(2)}-${(Math.max(...values) / 1000).toFixed(2)} s`;

/** Clients that trickle their headers or their body a byte every 100 ms, and clients that send nothing. */
async function startSlowClients(port: number) {
  const headers = await openConnections(port, SLOW_CLIENTS);
  for (const connection of headers) {
    connection.write('POST /users/add HTTP/1.1\r\nHost: localhost\r\n');
    void connection.trickle(`X-Slow: ${'a'.repeat(1_000)}\r\n\r\n`, 100);
  }
  const bodies = await openConnections(port, SLOW_CLIENTS);
  for (const connection of bodies) {
    connection.write(
      'POST /users/add HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    void connection.trickle(`{"username":"${'b'.repeat(985)}"}`, 100);
  }
  const silent = await openConnections(port, SLOW_CLIENTS);
  return { headers, bodies, silent };
}

/**
 * Asserts that every connection was closed `expected` ms after it opened, not before, and answered with a 408
 * problem. The answer can be lost on the way: the server closes while the client is still sending, and the
 * reset that the client's unread bytes provoke may discard the answer before the client reads it (seen here
 * only with both cores saturated). So each answer that arrived must be that problem, and most must arrive.
 */
async function assertClosedOnTime(what: string, connections: RawConnection[], expected: number, latest: number) {
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
 * The server's own figures, from its /metrics, read on a connection of their own (counted among them), and
 * how late the test and the server ran at worst: on two shared cores, a process that cannot run closes
 * nothing and notices nothing on time. The server's lag figure covers the time since it was last read.
 */
class ServerWatch {
  private readonly own = monitorEventLoopDelay({ resolution: 10 });
  worstLagMs = 0;

  constructor(private readonly port: number) {
    this.own.enable();
  }

  /** The server's open TCP connections now (this reading's own included). */
  async connections(): Promise<number> {
    const connection = await RawConnection.connect(this.port);
    const { body } = await connection.send('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
    connection.destroy();
    const connections = /^nodejs_active_resources\{type="TCPSocketWrap"\} (\d+)/m.exec(body)?.[1];
    const lag = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)/m.exec(body)?.[1];
    assert.ok(connections !== undefined && lag !== undefined, 'the server reports its connections and its lag');
    this.worstLagMs = Math.max(this.worstLagMs, Number(lag) * 1000 + this.own.max / 1e6);
    this.own.reset();
    return Number(connections);
  }

  stop(): void {
    this.own.disable();
  }
}

describe('slow clients', () => {
  let directory: string;
  before(async () => {
    await ensureBuilt();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-slow-'));
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  const startLoadServer = async (name: string) => {
    const server = await startTimedServer(TIMEOUTS, { DATABASE_URL: `sqlite:${path.join(directory, name)}` });
    const probe = await RawConnection.connect(portOf(server));
    const created = async (url: string, body: unknown) => {
      const answer = await probe.post(url, body);
      assert.equal(answer.status, 201, answer.body);
      return (JSON.parse(answer.body) as { id: string }).id;
    };
    const users = [await created('/users/add', { username: 'a' }), await created('/users/add', { username: 'b' })];
    const chat = await created('/chats/add', { name: 'room', users });
    const stop = async () => {
      killGroup(server.child, 'SIGKILL');
      await server.exited;
    };
    return { server, port: portOf(server), pid: server.child.pid as number, probe, users, chat, stop };
  };

  test(
    'under 1,000 keep-alive connections and slow-loris clients, others are served, memory stays bounded, and slow and idle connections are closed on time',
    TEST_TIMEOUT,
    async (t) => {
      const { port, pid, probe, users, chat, stop } = await startLoadServer('load.db');
      const watch = new ServerWatch(port);
      t.after(async () => {
        watch.stop();
        await stop();
      });
      const random = seededRandom(SEED);
      const idleLatency: number[] = [];
      for (let i = 0; i < 50; i++) idleLatency.push((await probe.post('/chats/get', { user: users[0] })).ms);
      const rssAtRest = rssMiB(pid) ?? 0;
      const rss = watchRss(pid);
      t.after(() => rss.stop());
      await watch.connections();

      // 1,000 clients on connections of their own, each asking every 1-2 s (inside the keep-alive timeout).
      const load = await openConnections(port, CONNECTIONS);
      const slow = await startSlowClients(port);
      let loading = true;
      let loadAnswers = 0;
      const loadFailures: string[] = [];
      const loadLoops = load.map(async (connection, index) => {
        for (let i = 0; loading; i++) {
          try {
            const answer =
              i % 5 === 4
                ? await connection.post('/messages/add', { chat, author: users[index % 2], text: `c${index}-${i}` })
                : await connection.post('/chats/get', { user: users[index % 2] });
            if (answer.status >= 300) loadFailures.push(`${answer.status} ${answer.body}`);
            loadAnswers++;
          } catch (error) {
            loadFailures.push(String(error));
            return;
          }
          await sleep(1_000 + random() * 1_000);
        }
      });

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
      loading = false;
      await Promise.all(loadLoops);
      const idleAfter = await closedAfter(load, (connection) => connection.lastAnswerAt);
      await watch.connections();
      const late = watch.worstLagMs;
      const closedBy = (timeout: number) => timeout + TIMEOUTS.checkInterval + SLACK_MS + late;
      const headersClosed = await assertClosedOnTime(
        'a client trickling its headers',
        slow.headers,
        TIMEOUTS.headers,
        closedBy(TIMEOUTS.headers),
      );
      const bodiesClosed = await assertClosedOnTime(
        'a client trickling its body',
        slow.bodies,
        TIMEOUTS.request,
        closedBy(TIMEOUTS.request),
      );
      const silentClosed = await assertClosedOnTime(
        'a client that sends nothing',
        slow.silent,
        TIMEOUTS.headers,
        closedBy(TIMEOUTS.headers),
      );
      const connectionsAfter = await watch.connections();
      const peakRss = rss.stop();

      t.diagnostic(
        `seed ${SEED}; ${CONNECTIONS} keep-alive connections for ${LOAD_MS / 1000} s plus ${3 * SLOW_CLIENTS} slow ` +
          `ones (the server held ${connectionsHeld} at once), ${loadAnswers} answers to them; another client's ` +
          `latency p50/p99/max ${percentile(loadedLatency, 0.5).toFixed(1)}/${percentile(loadedLatency, 0.99).toFixed(1)}/` +
          `${Math.max(...loadedLatency).toFixed(1)} ms over ${loadedLatency.length} requests (idle server: p50 ` +
          `${percentile(idleLatency, 0.5).toFixed(1)} ms); RSS ${rssAtRest.toFixed(0)} MiB at rest, peak ` +
          `${peakRss.toFixed(0)} MiB; closed by the server: idle keep-alive ${range(idleAfter)} after the last answer ` +
          `(keep-alive ${seconds(TIMEOUTS.keepAlive)}), header trickle ${headersClosed}, silent ${silentClosed} ` +
          `(headers ${seconds(TIMEOUTS.headers)}), body trickle ${bodiesClosed} (request ${seconds(TIMEOUTS.request)}) ` +
          `after opening; worst event-loop lag (server + test) ${late.toFixed(0)} ms; ${connectionsAfter} connections left`,
      );
      assert.deepEqual(loadFailures, [], 'every loaded connection was answered, with 2xx');
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
      const { port, pid, probe, users, chat, stop } = await startLoadServer('readers.db');
      t.after(stop);
      // A history of 100 KB.
      for (let i = 0; i < 10; i++)
        await probe.post('/messages/add', { chat, author: users[0], text: 'x'.repeat(10_000) });
      probe.destroy();
      const body = JSON.stringify({ chat });
      const request = `POST /messages/get HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
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
      const greedy = await openConnections(port, 10);
      for (const client of greedy) {
        client.socket.pause();
        client.write(request.repeat(PIPELINING_LIMIT * 10));
      }
      const greedyDropped = await untilDropped(10_000);
      // Slow readers stay within the limit, and read none of the answers either.
      const readers = await openConnections(port, 10);
      for (const reader of readers) {
        reader.socket.pause();
        reader.write(request.repeat(PIPELINING_LIMIT));
      }
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
      const port = portOf(server);
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
      const slow = await startSlowClients(port);
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
      const closedBy = (timeout: number) => timeout + HTTP_TIMEOUTS.checkInterval + SLACK_MS + watch.worstLagMs;
      const headers = await assertClosedOnTime(
        'a header trickle',
        slow.headers,
        HTTP_TIMEOUTS.headers,
        closedBy(HTTP_TIMEOUTS.headers),
      );
      const silent = await assertClosedOnTime(
        'a silent connection',
        slow.silent,
        HTTP_TIMEOUTS.headers,
        closedBy(HTTP_TIMEOUTS.headers),
      );
      const bodies = await assertClosedOnTime(
        'a body trickle',
        slow.bodies,
        HTTP_TIMEOUTS.request,
        closedBy(HTTP_TIMEOUTS.request),
      );
      t.diagnostic(
        `production timeouts: idle keep-alive closed ${seconds(idleAfter)} after its answer (keep-alive ` +
          `${seconds(HTTP_TIMEOUTS.keepAlive)}), header trickle ${headers} and silent ${silent} (headers ` +
          `${seconds(HTTP_TIMEOUTS.headers)}), body trickle ${bodies} (request ${seconds(HTTP_TIMEOUTS.request)}) ` +
          `after opening; worst event-loop lag (server + test) ${watch.worstLagMs.toFixed(0)} ms`,
      );
      assert.ok(idleAfter >= HTTP_TIMEOUTS.keepAlive - 100, 'an idle connection is kept for the keep-alive timeout');
      assert.ok(idleAfter <= HTTP_TIMEOUTS.keepAlive + KEEP_ALIVE_GRACE_MS + closedBy(0), 'and closed soon after');
    },
  );
});
