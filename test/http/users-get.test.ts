import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { composeApp } from '../../src/server.js';
import { type Answer, ApiClient, assertProblem, startApi } from '../support/api.js';
import { type Backend, backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface FoundUser {
  id: string;
  username: string;
  created_at: string;
}

/** The users of a 200 answer, asserting its shape. */
function usersOf(answer: Answer): FoundUser[] {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const users = answer.body as FoundUser[];
  for (const user of users) {
    assert.deepEqual(Object.keys(user), ['id', 'username', 'created_at']);
    assert.match(user.id, /^[1-9][0-9]*$/);
    assert.match(user.created_at, ISO_MS);
  }
  return users;
}

const usernames = (answer: Answer) => usersOf(answer).map((user) => user.username);

/** An app on a database whose next ids are beyond 2^53, closed when the test ends. */
async function startBeyondDoubles(t: TestContext, backend: Backend): Promise<ApiClient> {
  const database = await backend.open();
  await database.raiseIdsAbove(2n ** 53n + 10n);
  const app = composeApp({ storage: database.storage });
  t.after(async () => {
    await app.close();
    await database.close();
  });
  return new ApiClient(app);
}

for (const { backend, available, service } of backends) {
  describeWithService(`/users/get on ${backend.name}`, available, service, () => {
    test('users are found by id in the order asked, a repeated one once, unknown ones left out', async (t) => {
      const api = await startApi(t, backend);
      const ann = await api.user('ann');
      const bob = await api.user('bob');
      const cy = await api.user('cy');
      const answer = await api.post('/users/get', {
        ids: [cy, Number(ann), '999999', `00${bob}`, ann, '0', 0, '9223372036854775808', cy],
      });
      assert.deepEqual(
        usersOf(answer).map((user) => [user.id, user.username]),
        [
          [cy, 'cy'],
          [ann, 'ann'],
          [bob, 'bob'],
        ],
      );
    });

    test('users are found by username in the order asked, exactly as written, each once', async (t) => {
      const api = await startApi(t, backend);
      await api.user('ann');
      await api.user('Bob');
      await api.user('𝔘ser 🎉');
      await api.user('x ');
      const answer = await api.post('/users/get', {
        usernames: ['𝔘ser 🎉', 'bob', 'Bob', 'ann', 'nobody', 'Bob', 'x', 'x '],
      });
      assert.deepEqual(usernames(answer), ['𝔘ser 🎉', 'Bob', 'ann', 'x ']);
    });

    test('a user found by username is the same as by id, with its creation time', async (t) => {
      const api = await startApi(t, backend);
      const id = await api.user('ann');
      const [byName] = usersOf(await api.post('/users/get', { usernames: ['ann'] }));
      assert.deepEqual(usersOf(await api.post('/users/get', { ids: [id] })), [byName]);
      assert.equal(byName?.id, id);
    });

    test('a prefix finds the usernames starting with it, in code point order, 20 unless told', async (t) => {
      const api = await startApi(t, backend);
      const numbered = Array.from({ length: 25 }, (_, i) => `al_${String(i).padStart(2, '0')}`);
      for (const name of ['al😀', 'am', 'Al', 'al\uFFFF', ...[...numbered].reverse(), 'a%l']) await api.user(name);
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'al' })), numbered.slice(0, 20));
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'al', limit: 100 })), [
        ...numbered,
        'al\uFFFF',
        'al😀',
      ]);
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'al_2', limit: 2 })), ['al_20', 'al_21']);
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'Al' })), ['Al']);
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'a%' })), ['a%l']);
      assert.deepEqual(usernames(await api.post('/users/get', { prefix: 'a_' })), []);
    });

    test('nothing found answers an empty array', async (t) => {
      const api = await startApi(t, backend);
      await api.user('ann');
      for (const body of [{ ids: ['42'] }, { usernames: ['bob'] }, { prefix: 'b' }]) {
        assert.deepEqual(usersOf(await api.post('/users/get', body)), [], JSON.stringify(body));
      }
    });

    test('1000 ids or usernames are answered in one request', async (t) => {
      const api = await startApi(t, backend);
      const ann = await api.user('ann');
      const bob = await api.user('bob');
      const ids = Array.from({ length: 1000 }, (_, i) => (i === 998 ? bob : i === 999 ? ann : String(10_000 + i)));
      assert.deepEqual(usernames(await api.post('/users/get', { ids })), ['bob', 'ann']);
      const names = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 'ann' : `${'𝔘'.repeat(60)}${i}`));
      assert.deepEqual(usernames(await api.post('/users/get', { usernames: names })), ['ann']);
    });

    test('ids beyond 2^53 are found exactly, sent as strings or as JSON integers', async (t) => {
      const api = await startBeyondDoubles(t, backend);
      const ann = await api.user('ann');
      const bob = await api.user('bob');
      assert.ok(BigInt(ann) > 2n ** 53n && BigInt(bob) === BigInt(ann) + 1n);
      const answer = await api.post('/users/get', `{"ids": [${bob}, "${ann}", ${BigInt(bob) + 1n}]}`);
      assert.deepEqual(
        usersOf(answer).map((user) => [user.id, user.username]),
        [
          [bob, 'bob'],
          [ann, 'ann'],
        ],
      );
    });
  });
}

describe('/users/get refuses a malformed body with a 400 that says what to send', () => {
  const refused = async (t: TestContext, body: unknown, detail: RegExp) => {
    const api = await startApi(t);
    assertProblem(await api.post('/users/get', body), 400, detail);
  };

  test('a body without ids, usernames or prefix', async (t) => {
    await refused(t, {}, /^body must have exactly one of ids, usernames or prefix$/);
    await refused(t, { limit: 5 }, /^body must have exactly one of ids, usernames or prefix$/);
    await refused(t, { user: '1' }, /^body must have exactly one of ids, usernames or prefix$/);
  });

  test('a body with two of them', async (t) => {
    await refused(t, { ids: ['1'], usernames: ['ann'] }, /^body must have only one of .+, got ids and usernames$/);
    await refused(t, { usernames: ['ann'], prefix: 'a', limit: 5 }, /got usernames and prefix$/);
    await refused(t, { ids: [], prefix: '' }, /got ids and prefix$/);
  });

  test('limit beside ids or usernames, and an unknown field', async (t) => {
    await refused(t, { ids: ['1'], limit: 5 }, /^limit goes with prefix only, not with ids$/);
    await refused(t, { usernames: ['ann'], limit: 5 }, /^limit goes with prefix only, not with usernames$/);
    await refused(t, { prefix: 'a', cursor: 'x' }, /^body does not take a field "cursor" beside prefix$/);
  });

  test('empty, oversized or mistyped lists', async (t) => {
    await refused(t, { ids: [] }, /^ids must list at least 1 item$/);
    await refused(t, { usernames: [] }, /^usernames must list at least 1 item$/);
    await refused(t, { ids: Array(1001).fill('1') }, /^ids must list at most 1000 items, got 1001$/);
    await refused(t, { usernames: Array(1001).fill('a') }, /^usernames must list at most 1000 items, got 1001$/);
    await refused(t, { ids: Array(100_000).fill(1) }, /^ids must list at most 1000 items, got 100000$/);
    await refused(t, { ids: '1' }, /^ids must be an array, got a string "1"$/);
    await refused(t, { ids: null }, /^ids must be an array, got null$/);
    await refused(t, { usernames: 'ann' }, /^usernames must be an array/);
  });

  test('an entry that is not an id or a username', async (t) => {
    await refused(t, { ids: ['1', 'x'] }, /^ids\[1\] must be an id: a string of digits or a non-negative JSON integer/);
    await refused(t, { ids: [-1] }, /^ids\[0\] must be an id/);
    await refused(t, { ids: [1.5] }, /^ids\[0\] must be an id/);
    await refused(t, { ids: [['1']] }, /^ids\[0\] must be an id/);
    await refused(t, { usernames: [42] }, /^usernames\[0\] must be a string, got number 42$/);
    await refused(t, { usernames: [''] }, /^usernames\[0\] must be at least 1 character long$/);
    await refused(t, { usernames: ['𝔘'.repeat(65)] }, /^usernames\[0\] must be at most 64 characters long, got 65$/);
    await refused(t, { usernames: ['a\u0000b'] }, /^usernames\[0\] must not contain NUL/);
  });

  test('a prefix that is empty, too long, not a string or holds NUL', async (t) => {
    await refused(t, { prefix: '' }, /^prefix must be at least 1 character long$/);
    await refused(t, { prefix: '𝔘'.repeat(65) }, /^prefix must be at most 64 characters long, got 65$/);
    await refused(t, { prefix: 7 }, /^prefix must be a string, got number 7$/);
    await refused(t, { prefix: 'a\u0000' }, /^prefix must not contain NUL characters or unpaired surrogates$/);
    await refused(t, '{"prefix": "a\\ud800"}', /^prefix must not contain NUL characters or unpaired surrogates$/);
  });

  test('a limit outside 1-100 or not an integer', async (t) => {
    await refused(t, { prefix: 'a', limit: 0 }, /^limit must be from 1 to 100, got 0/);
    await refused(t, { prefix: 'a', limit: 101 }, /^limit must be from 1 to 100, got 101/);
    await refused(t, { prefix: 'a', limit: 2.5 }, /^limit must be an integer, got number 2.5$/);
    await refused(t, { prefix: 'a', limit: '20' }, /^limit must be an integer, got a string "20"$/);
  });

  test('a body that is not a JSON object', async (t) => {
    await refused(t, [], /^body must be a JSON object, got an array$/);
    await refused(t, 'null', /^body must be a JSON object, got null$/);
    await refused(t, '"ids"', /^body must be a JSON object, got a string "ids"$/);
    await refused(t, '', /^body is empty/);
  });

  test('another method than POST is a 405 that names POST', async (t) => {
    const api = await startApi(t);
    const answer = await api.app.inject({ method: 'GET', url: '/users/get' });
    assert.equal(answer.statusCode, 405);
    assert.equal(answer.headers.allow, 'POST');
  });
});
