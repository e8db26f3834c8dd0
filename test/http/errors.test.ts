import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHAT_PATHS } from '../../src/http/routes/chat-routes.js';
import { assertProblem, startApi } from '../support/api.js';

describe('errors', () => {
  test('an unknown path is a 404 problem, whatever the method', async (t) => {
    const api = await startApi(t);
    assertProblem(await api.post('/users/remove', { username: 'x' }), 404, /there is no POST \/users\/remove/);
    const get = await api.app.inject({ method: 'GET', url: '/' });
    assertProblem({ status: get.statusCode, headers: get.headers, body: get.json() }, 404, /there is no GET \//);
  });

  test('a known path with another method is a 405 that says Allow: POST', async (t) => {
    const api = await startApi(t);
    for (const url of CHAT_PATHS) {
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
        const response = await api.app.inject({ method, url });
        assert.equal(response.statusCode, 405, `${method} ${url}`);
        assert.equal(response.headers.allow, 'POST');
        assert.match(response.json().detail, new RegExp(`${url} takes POST, not ${method}`));
      }
      const head = await api.app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 405);
      assert.equal(head.headers.allow, 'POST');
    }
  });

  test('a body over 1 MiB is a 413', async (t) => {
    const api = await startApi(t);
    const huge = JSON.stringify({ username: 'x'.repeat(1024 * 1024) });
    assertProblem(await api.post('/users/add', huge), 413, /at most 1 MiB/);
  });

  test('a body of just under 1 MiB is read (and refused only for its content)', async (t) => {
    const api = await startApi(t);
    const padded = JSON.stringify({ username: 'ok', padding: 'x'.repeat(1024 * 1024 - 100) });
    assert.equal((await api.post('/users/add', padded)).status, 201);
  });

  test('a body declared as something other than JSON is a 415 that tells curl users what to do', async (t) => {
    const api = await startApi(t);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await api.post('/users/add', { username: 'x' }, { 'content-type': type });
      assertProblem(answer, 415, /-H 'Content-Type: application\/json'.*--json/);
    }
    assertProblem(
      await api.post('/users/add', { username: 'x' }, { 'content-type': 'application/json; charset=latin1' }),
      415,
      /UTF-8/,
    );
    assert.equal((await api.post('/chats/get', { user: '1' })).status, 404, 'nothing was created');
  });

  test('JSON is read with or without a Content-Type, and with a charset or a +json type', async (t) => {
    const api = await startApi(t);
    const bare = await api.app.inject({ method: 'POST', url: '/users/add', payload: '{"username":"bare"}' });
    assert.equal(bare.statusCode, 201);
    for (const [index, type] of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.x+json',
    ].entries()) {
      assert.equal((await api.post('/users/add', { username: `u${index}` }, { 'content-type': type })).status, 201);
    }
  });

  test('malformed bodies are 400s that say what is wrong', async (t) => {
    const api = await startApi(t);
    assertProblem(await api.post('/users/add', '{"username": '), 400, /body is not valid JSON/);
    assertProblem(await api.post('/users/add', ''), 400, /body is empty/);
    assertProblem(await api.post('/users/add', '[]'), 400, /body must be a JSON object, got an array/);
    assertProblem(await api.post('/users/add', '"text"'), 400, /body must be a JSON object, got a string/);
    assertProblem(await api.post('/users/add', 'null'), 400, /body must be a JSON object, got null/);
    assertProblem(await api.post('/users/add', '42'), 400, /body must be a JSON object, got number 42/);
    const noBody = await api.app.inject({ method: 'POST', url: '/users/add' });
    assert.equal(noBody.statusCode, 400);
    assert.match(noBody.json().detail, /body must be a JSON object/);
  });

  test('invalid UTF-8 is a 400, not a silently replaced character', async (t) => {
    const api = await startApi(t);
    const payload = Buffer.concat([Buffer.from('{"username":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const response = await api.app.inject({
      method: 'POST',
      url: '/users/add',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().detail, /not valid UTF-8/);
  });

  test('__proto__ and constructor.prototype keys are refused and pollute nothing', async (t) => {
    const api = await startApi(t);
    const proto = await api.post('/users/add', '{"username":"p","__proto__":{"polluted":true}}');
    assertProblem(proto, 400, /__proto__/);
    const ctor = await api.post('/users/add', '{"username":"c","constructor":{"prototype":{"polluted":true}}}');
    assertProblem(ctor, 400, /__proto__/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('extra fields are ignored and the last of duplicate keys counts, as in JSON.parse', async (t) => {
    const api = await startApi(t);
    assert.equal((await api.post('/users/add', { username: 'x', extra: [1, 2] })).status, 201);
    const id = (await api.post('/users/add', '{"username":"first","username":"second"}')).body as { id: string };
    const other = await api.user('other');
    await api.chat('room', [id.id, other]);
    assertProblem(await api.post('/users/add', { username: 'second' }), 409, /taken/);
  });

  test('deeply nested and oddly typed bodies are 400s, never 500s', async (t) => {
    const api = await startApi(t);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const bodies = [
      `{"username":${deep}}`,
      '{"username":{"nested":true}}',
      '{"username":true}',
      '{"username":1e400}',
      '{"username":-0}',
      '{"username":12345678901234567890123}',
      '{"chat":[],"author":{},"text":null}',
      '\u0000',
      '{"username":"x"} trailing',
    ];
    for (const body of bodies) {
      for (const url of CHAT_PATHS) {
        const answer = await api.post(url, body);
        assert.equal(answer.status, 400, `${url} ${body.slice(0, 40)} -> ${JSON.stringify(answer.body)}`);
      }
    }
  });

  test('every problem names its type, title, status and detail', async (t) => {
    const api = await startApi(t);
    const problem = (await api.post('/users/add', {})).body;
    assert.deepEqual(Object.keys(problem as object).sort(), ['detail', 'status', 'title', 'type']);
  });
});

describe('ids', () => {
  test('ids with leading zeros name the same entity', async (t) => {
    const api = await startApi(t);
    const a = await api.user('a');
    const b = await api.user('b');
    await api.chat('room', [`000${a}`, b]);
    assert.equal(((await api.post('/chats/get', { user: `00${b}` })).body as unknown[]).length, 1);
  });

  test('a 19-digit or longer unknown id is a 404, as a string or as a JSON number', async (t) => {
    const api = await startApi(t);
    for (const body of [
      '{"user":"9223372036854775807"}',
      '{"user":"9223372036854775808"}',
      '{"user":"99999999999999999999999"}',
      '{"user":1234567890123456789}',
      '{"user":99999999999999999999999}',
      '{"user":0}',
    ]) {
      assertProblem(await api.post('/chats/get', body), 404, /does not exist/);
    }
  });

  test('an id beyond 2^53 written with a zero fraction or an exponent keeps its exact value too', async (t) => {
    const api = await startApi(t);
    for (const literal of [
      '9007199254740993.0',
      '9007199254740993.000',
      '9.007199254740993e15',
      '90071992547409930e-1',
    ]) {
      const answer = await api.post('/chats/get', `{"user": ${literal}}`);
      assertProblem(answer, 404, /user 9007199254740993 does not exist/);
    }
    assertProblem(await api.post('/chats/get', '{"user": 9007199254740993.5}'), 400, /not an integer/);
    assertProblem(await api.post('/chats/get', '{"user": 1e400}'), 400, /user/);
    assertProblem(await api.post('/chats/get', '{"user": 1e300}'), 404, /does not exist/);
  });

  test('an id beyond 2^53 sent as a JSON number keeps its exact value', async (t) => {
    const api = await startApi(t);
    const answer = await api.post('/chats/get', '{"user": 9007199254740993}');
    assertProblem(answer, 404, /user 9007199254740993 does not exist/);
    const known = await api.user('known');
    const member = await api.post('/chats/add', `{"name":"r","users":[${known}, 9007199254740993]}`);
    assertProblem(member, 404, /9007199254740993/);
  });

  test('a number beyond 2^53 where a string belongs is still a 400', async (t) => {
    const api = await startApi(t);
    assertProblem(await api.post('/users/add', '{"username": 12345678901234567890}'), 400, /must be a string/);
  });
});
