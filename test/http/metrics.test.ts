import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Gauge } from 'prom-client';
import { type ApiClient, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

async function scrape(api: ApiClient): Promise<string> {
  const response = await api.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return response.body;
}

/** The value of one series, found by its name and exact labels as Prometheus prints them. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  test('counts and times answers by method, route pattern and status', async (t) => {
    const api = await startApi(t);
    await api.user('ann');
    await api.post('/users/add', { username: 'ann' });
    await api.post('/users/add', { username: 'ann' });
    await api.post('/no/such/path', {});
    const text = await scrape(api);

    const counted = (labels: string) => sample(text, `http_requests_total{${labels}}`);
    assert.equal(counted('method="POST",route="/users/add",status="201"'), 1);
    assert.equal(counted('method="POST",route="/users/add",status="409"'), 2);
    assert.equal(counted('method="POST",route="unknown",status="404"'), 1);
    assert.ok(!text.includes('/no/such/path'), 'an unknown path is not a label value');

    const timed = 'http_request_duration_seconds';
    assert.equal(sample(text, `${timed}_count{method="POST",route="/users/add",status="409"}`), 2);
    assert.equal(sample(text, `${timed}_bucket{le="+Inf",method="POST",route="/users/add",status="201"}`), 1);
    assert.ok((sample(text, `${timed}_sum{method="POST",route="/users/add",status="201"}`) ?? 0) > 0);
  });

  test('a path probed many times under many names adds one series, not one per name', async (t) => {
    const api = await startApi(t);
    for (let index = 0; index < 20; index++) await api.app.inject({ method: 'GET', url: `/wp-admin/${index}.php` });
    const text = await scrape(api);
    assert.equal(sample(text, 'http_requests_total{method="GET",route="unknown",status="404"}'), 20);
  });

  test('reports the figures of the Node.js process', async (t) => {
    const text = await scrape(await startApi(t));
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  test('each app counts only its own requests', async (t) => {
    const busy = await startApi(t);
    await busy.user('ann');
    const idle = await startApi(t);
    assert.doesNotMatch(await scrape(idle), /route="\/users\/add"/);
  });

  test('other parts of the server can add their own figures to the same page', async (t) => {
    const api = await startApi(t);
    const figure = new Gauge({
      name: 'parley_test_figure',
      help: 'A figure of another part',
      registers: [api.app.metrics.registry],
    });
    figure.set(3);
    assert.equal(sample(await scrape(api), 'parley_test_figure'), 3);
  });
});

test('the storage reports its group-commit batches and the writes they carried', async (t) => {
  const api = await startApi(t);
  await Promise.all(['a', 'b', 'c', 'd'].map((username) => api.post('/users/add', { username })));
  const page = await scrape(api);
  assert.equal(sample(page, 'parley_storage_batched_writes_total'), 4);
  const batches = sample(page, 'parley_storage_write_batches_total') ?? 0;
  assert.ok(batches >= 1 && batches <= 4, `4 writes in 1 to 4 batches, got ${batches}`);
});

for (const { backend, available, service } of backends.filter(({ backend }) => backend.name !== 'SQLite')) {
  describeWithService(`pool figures on ${backend.name}`, available, service, () => {
    test('the connection pool reports its size, connections in use and waiting calls', async (t) => {
      const api = await startApi(t, backend);
      await api.user('a');
      const page = await scrape(api);
      assert.equal(sample(page, 'parley_storage_pool_connections{state="size"}'), 10);
      assert.equal(sample(page, 'parley_storage_pool_connections{state="in_use"}'), 0);
      assert.equal(sample(page, 'parley_storage_pool_connections{state="waiting"}'), 0);
    });
  });
}
