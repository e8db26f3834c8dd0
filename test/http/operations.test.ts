import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { composeApp } from '../../src/server.js';
import { ApiClient } from '../support/api.js';
import { sqlite } from '../support/backends.js';
import { killGroup, postJson, startTimedServer } from '../support/process.js';

test('/healthz answers while the process runs and /readyz while the database answers', async (t) => {
  const database = await sqlite.open();
  const app = composeApp({ storage: database.storage });
  t.after(() => app.close());
  assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  await database.close();
  const closed = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(closed.statusCode, 503);
  assert.equal(closed.headers['retry-after'], '1');
});

test('each request is logged as one JSON line with its id, route, status and duration, without its body', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const database = await sqlite.open();
  const app = composeApp({ storage: database.storage, logger: { level: 'info', stream } });
  t.after(async () => {
    await app.close();
    await database.close();
  });
  const api = new ApiClient(app);
  await api.user('secret-name');
  await api.post('/users/add', { username: 'secret-name' });
  assert.equal(lines.length, 2);
  assert.deepEqual(
    lines.map((line) => [line.route, line.status]),
    [
      ['/users/add', 201],
      ['/users/add', 409],
    ],
  );
  assert.ok(lines.every((line) => typeof line.reqId === 'string' && typeof line.ms === 'number'));
  assert.ok(!JSON.stringify(lines).includes('secret-name'));
});

test('a running server writes one JSON line per request to stdout, the last ones too when it stops', async (t) => {
  const server = await startTimedServer({}, { LOG_LEVEL: 'info', DATABASE_URL: 'sqlite::memory:' });
  t.after(() => killGroup(server.child, 'SIGKILL'));
  const answers = await Promise.all(
    ['first', 'second', 'third'].map((username) => postJson(`${server.url}/users/add`, { username })),
  );
  assert.deepEqual(
    answers.map((answer) => answer.status),
    [201, 201, 201],
  );
  // Straight after the answers: lines still waiting to be written go out as the process exits.
  killGroup(server.child, 'SIGTERM');
  assert.equal(await server.exited, 0);
  const requests = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'request' && line.route === '/users/add');
  assert.equal(requests.length, 3, server.output());
  assert.ok(requests.every((line) => line.status === 201 && typeof line.reqId === 'string'));
});
