import assert from 'node:assert/strict';
import { test } from 'node:test';
import { askedIds, inOrderAsked } from '../../src/chat/user-lookup.js';
import type { User } from '../../src/model/entities.js';

const user = (id: string, username: string): User => ({ id, username, created_at: '2026-11-24T19:05:09.375Z' });
const ann = user('1', 'ann');
const bob = user('2', 'bob');
const cy = user('3', 'cy');

test('users found are answered in the order asked, whatever order the database gave them in', () => {
  assert.deepEqual(
    inOrderAsked(['3', '1', '2'], [ann, bob, cy], (found) => found.id),
    [cy, ann, bob],
  );
  assert.deepEqual(
    inOrderAsked(['bob', 'ann'], [ann, bob], (found) => found.username),
    [bob, ann],
  );
});

test('a user asked for twice is answered once, where it was first asked', () => {
  assert.deepEqual(
    inOrderAsked(['2', '1', '2', '1'], [ann, bob], (found) => found.id),
    [bob, ann],
  );
});

test('users not found are left out, and nothing found answers nothing', () => {
  assert.deepEqual(
    inOrderAsked(['9', '1', 'x'], [ann], (found) => found.id),
    [ann],
  );
  assert.deepEqual(
    inOrderAsked(['ann'], [], (found) => found.username),
    [],
  );
});

test('ids asked are canonical and distinct: 7, "7" and "007" are one id', () => {
  assert.deepEqual(askedIds([7, '7', '007', '8', 7]), ['7', '8']);
  assert.deepEqual(askedIds(['9223372036854775807', 9007199254740993n.toString()]), [
    '9223372036854775807',
    '9007199254740993',
  ]);
});

test('an id no user can have, zero or beyond 64 bits, is not asked at all', () => {
  assert.deepEqual(askedIds([0, '0', '000', '9223372036854775808', '1'.repeat(40), '5']), ['5']);
  assert.deepEqual(askedIds(['0']), []);
});
