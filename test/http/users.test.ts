import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertProblem, startApi } from '../support/api.js';
import { backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';

for (const { backend, available, service } of backends) {
  describeWithService(`/users/add on ${backend.name}`, available, service, () => {
    test('creating a user answers 201 with its id as a string', async (t) => {
      const api = await startApi(t, backend);
      const answer = await api.post('/users/add', { username: 'user_1' });
      assert.equal(answer.status, 201);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.deepEqual(Object.keys(answer.body as object), ['id']);
      assert.match((answer.body as { id: string }).id, /^[0-9]+$/);
    });

    test('a taken username is a 409, and usernames differ by case', async (t) => {
      const api = await startApi(t, backend);
      await api.user('Alice');
      await api.user('alice');
      assertProblem(await api.post('/users/add', { username: 'Alice' }), 409, /username "Alice" is taken/);
    });

    test('usernames are stored exactly, spaces and 4-byte characters included', async (t) => {
      const api = await startApi(t, backend);
      const name = '  𝔘 spaced  ';
      const id = await api.user(name);
      const other = await api.user('other');
      await api.chat('room', [id, other]);
      assertProblem(await api.post('/users/add', { username: name }), 409, /is taken/);
      assert.equal((await api.post('/users/add', { username: name.trim() })).status, 201);
    });

    test('a username counts code points: 64 astral characters fit, 65 do not', async (t) => {
      const api = await startApi(t, backend);
      assert.equal((await api.post('/users/add', { username: '𝔘'.repeat(64) })).status, 201);
      assertProblem(
        await api.post('/users/add', { username: '𝔘'.repeat(65) }),
        400,
        /username must be at most 64 characters long, got 65/,
      );
    });

    test('a missing, empty or non-string username is a 400 that names the field', async (t) => {
      const api = await startApi(t, backend);
      assertProblem(await api.post('/users/add', {}), 400, /username is required/);
      assertProblem(await api.post('/users/add', { username: '' }), 400, /username must be at least 1 character/);
      assertProblem(await api.post('/users/add', { username: 42 }), 400, /username must be a string, got number 42/);
      assertProblem(await api.post('/users/add', { username: null }), 400, /username must be a string, got null/);
      assertProblem(await api.post('/users/add', { username: ['a'] }), 400, /username must be a string/);
      assertProblem(await api.post('/users/add', { username: 'a\u0000b' }), 400, /username must not contain NUL/);
    });
  });
}
