import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  mayActForUser,
  mayAddChat,
  mayAddMessage,
  mayAddUser,
  mayLookUpUsers,
  mayReadChat,
} from '../../src/auth/access-policy.js';
import type { Identity } from '../../src/auth/identity.js';

const ann: Identity = { kind: 'user', userId: '1' };
const admin: Identity = { kind: 'admin' };

test('anyone signed in may look users up', () => {
  assert.deepEqual(mayLookUpUsers(ann), { allowed: true });
  assert.deepEqual(mayLookUpUsers(admin), { allowed: true });
});

test('a user may create a chat that includes them, however the id is written, and not one without them', () => {
  assert.deepEqual(mayAddChat(ann, ['2', '1']), { allowed: true });
  assert.deepEqual(mayAddChat(ann, [2, 1]), { allowed: true });
  assert.deepEqual(mayAddChat(ann, ['2', '001']), { allowed: true });
  assert.deepEqual(mayAddChat(ann, ['2', '3']), {
    allowed: false,
    why: 'forbidden',
    detail: 'a user token may only create chats that include its own user (1)',
  });
  assert.equal(mayAddChat(ann, ['10', '11']).allowed, false);
  assert.deepEqual(mayAddChat(admin, ['2', '3']), { allowed: true });
});

test("a user posts only as themselves, and without author posts as the token's user", () => {
  assert.deepEqual(mayAddMessage(ann, undefined), { allowed: true, actingUser: '1' });
  assert.deepEqual(mayAddMessage(ann, '1'), { allowed: true, actingUser: '1' });
  assert.deepEqual(mayAddMessage(ann, 1), { allowed: true, actingUser: '1' });
  assert.deepEqual(mayAddMessage(ann, '2'), {
    allowed: false,
    why: 'forbidden',
    detail: 'a user token may only post as its own user (1); leave author out or set it to "1"',
  });
});

test('an admin posts as any author, and must name one', () => {
  assert.deepEqual(mayAddMessage(admin, '2'), { allowed: true, actingUser: '2' });
  assert.deepEqual(mayAddMessage(admin, undefined), {
    allowed: false,
    why: 'invalid',
    detail: 'author is required with an admin token, which acts for no user',
  });
});

test('a user lists chats, moves read markers and follows events only for themselves', () => {
  for (const method of ['/chats/get', '/chats/read', '/events'] as const) {
    assert.deepEqual(mayActForUser(ann, method, undefined), { allowed: true, actingUser: '1' }, method);
    assert.deepEqual(mayActForUser(ann, method, '1'), { allowed: true, actingUser: '1' }, method);
    const other = mayActForUser(ann, method, 2);
    assert.equal(!other.allowed && other.why, 'forbidden', method);
    assert.deepEqual(mayActForUser(admin, method, '2'), { allowed: true, actingUser: '2' }, method);
    assert.equal(!mayActForUser(admin, method, undefined).allowed, true, method);
  }
  assert.deepEqual(mayActForUser(ann, '/chats/get', '2'), {
    allowed: false,
    why: 'forbidden',
    detail: 'a user token may only list the chats of its own user (1); leave user out or set it to "1"',
  });
  assert.match(
    (mayActForUser(ann, '/events', '2') as { detail: string }).detail,
    /^a user token may only follow the events of/,
  );
});

test('a user reads only the chats they are a member of; an admin reads any', () => {
  assert.deepEqual(mayReadChat(ann, '9', true), { allowed: true });
  assert.deepEqual(mayReadChat(ann, '9', false), {
    allowed: false,
    why: 'forbidden',
    detail: 'user 1 is not a member of chat 9, so may not read it',
  });
  assert.deepEqual(mayReadChat(admin, '9', false), { allowed: true });
});

test('with sign-up closed only an admin adds users, with or without a password', () => {
  assert.deepEqual(mayAddUser(admin, 'closed', false), { allowed: true });
  assert.deepEqual(mayAddUser(admin, 'closed', true), { allowed: true });
  const detail = 'adding users needs an admin token: sign-up is closed on this server';
  assert.deepEqual(mayAddUser(undefined, 'closed', true), { allowed: false, why: 'unauthenticated', detail });
  assert.deepEqual(mayAddUser(ann, 'closed', true), { allowed: false, why: 'forbidden', detail });
});

test('with sign-up open anyone may sign up with a password, and a sign-up without one is a 400', () => {
  assert.deepEqual(mayAddUser(undefined, 'open', true), { allowed: true });
  assert.deepEqual(mayAddUser(ann, 'open', true), { allowed: true });
  assert.deepEqual(mayAddUser(undefined, 'open', false), {
    allowed: false,
    why: 'invalid',
    detail: 'password is required to sign up (8-1024 characters)',
  });
  assert.deepEqual(mayAddUser(admin, 'open', false), { allowed: true }, 'an admin may still add users without one');
});
