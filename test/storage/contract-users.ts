import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Storage, UserQuery } from '../../src/chat/storage-port.js';
import type { User } from '../../src/model/entities.js';
import type { Backend } from '../support/backends.js';
import { created, withDatabase } from './contract-support.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Adds the users named, in turn; their ids by username. */
async function addUsers(storage: Storage, usernames: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const username of usernames) ids.set(username, created(await storage.addUser(username)));
  return ids;
}

/** Lookups by ids or usernames may come back in any order: compared as sorted usernames. */
const usernamesFound = async (storage: Storage, query: UserQuery) =>
  (await storage.findUsers(query)).map((user) => user.username).sort();

/** A prefix's users in the order the backend gave them. */
const withPrefix = async (storage: Storage, prefix: string, limit = 100) =>
  (await storage.findUsers({ prefix, limit })).map((user) => user.username);

/** UTF-8 bytes compare in code point order; JavaScript's `<` compares UTF-16 code units. */
const inCodePointOrder = (names: readonly string[]) =>
  [...names].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

/** Finding users by id, by username, and by the start of their username, the same on every backend. */
export function usersContract(backend: Backend): void {
  describe(`${backend.name} finding users`, () => {
    test('users are found by id and by username with their id, username and creation time', () =>
      withDatabase(backend, async (storage) => {
        const ids = await addUsers(storage, ['ann', 'bob', 'cy']);
        const found = await storage.findUsers({ ids: [ids.get('cy') as string, ids.get('ann') as string] });
        const byId = new Map(found.map((user) => [user.id, user]));
        assert.equal(found.length, 2);
        for (const name of ['ann', 'cy']) {
          const user = byId.get(ids.get(name) as string) as User;
          assert.deepEqual(Object.keys(user).sort(), ['created_at', 'id', 'username']);
          assert.equal(user.username, name);
          assert.match(user.created_at, ISO_MS);
        }
        const bob = ids.get('bob') as string;
        const byUsername = await storage.findUsers({ usernames: ['bob'] });
        assert.equal(byUsername[0]?.id, bob);
        assert.deepEqual(byUsername, await storage.findUsers({ ids: [bob] }));
      }));

    test('unknown ids and usernames are left out, and asking for none finds none', () =>
      withDatabase(backend, async (storage) => {
        const ids = await addUsers(storage, ['ann', 'bob']);
        const missing = String(BigInt(ids.get('bob') as string) + 1000n);
        assert.deepEqual(await usernamesFound(storage, { ids: [missing, ids.get('bob') as string] }), ['bob']);
        assert.deepEqual(await usernamesFound(storage, { ids: ['9223372036854775807'] }), []);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['nobody', 'ann'] }), ['ann']);
        assert.deepEqual(await storage.findUsers({ ids: [] }), []);
        assert.deepEqual(await storage.findUsers({ usernames: [] }), []);
      }));

    test('usernames match exactly: case, leading and trailing spaces, and 4-byte characters count', () =>
      withDatabase(backend, async (storage) => {
        await addUsers(storage, ['ann', 'Ann', 'ann ', ' ann', '𝔘ser 🎉', 'x\uFFFF']);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['ann'] }), ['ann']);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['ann '] }), ['ann ']);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['ANN', 'ann  '] }), []);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['𝔘ser 🎉', 'x\uFFFF'] }), ['x\uFFFF', '𝔘ser 🎉']);
        assert.deepEqual(await usernamesFound(storage, { usernames: ['𝔘ser'] }), []);
      }));

    test('a prefix finds the usernames that start with it, case-sensitively, in code point order', () =>
      withDatabase(backend, async (storage) => {
        await addUsers(storage, [
          'alz',
          'al😀',
          'Alice',
          'al',
          'alice',
          'am',
          'a',
          'al\uFFFF',
          'ALICE',
          'alfred',
          'bal',
        ]);
        const expected = ['al', 'alfred', 'alice', 'alz', 'al\uFFFF', 'al😀'];
        assert.deepEqual(await withPrefix(storage, 'al'), expected);
        assert.deepEqual(inCodePointOrder(expected), expected);
        assert.deepEqual(await withPrefix(storage, 'Al'), ['Alice']);
        assert.deepEqual(await withPrefix(storage, 'alice'), ['alice']);
        assert.deepEqual(await withPrefix(storage, 'alicia'), []);
        assert.deepEqual(await withPrefix(storage, 'b'), ['bal']);
      }));

    test('code point order puts U+FFFF before U+1F600, where UTF-16 order puts it after', () =>
      withDatabase(backend, async (storage) => {
        await addUsers(storage, ['a😀', 'a\uFFFF', 'a\uE000', 'a\uD7FF']);
        assert.ok('a😀' < 'a\uFFFF', 'UTF-16 code units put the surrogate pair first');
        assert.deepEqual(await withPrefix(storage, 'a'), ['a\uD7FF', 'a\uE000', 'a\uFFFF', 'a😀']);
      }));

    test('a prefix is literal: _ and % match only themselves', () =>
      withDatabase(backend, async (storage) => {
        await addUsers(storage, ['a_b', 'axb', 'a%c', 'ayc', 'a_', 'a%', 'a', 'a\\', 'a\\b']);
        assert.deepEqual(await withPrefix(storage, 'a_'), ['a_', 'a_b']);
        assert.deepEqual(await withPrefix(storage, 'a%'), ['a%', 'a%c']);
        assert.deepEqual(await withPrefix(storage, '_'), []);
        assert.deepEqual(await withPrefix(storage, '%'), []);
        assert.deepEqual(await withPrefix(storage, 'a\\'), ['a\\', 'a\\b']);
      }));

    test('prefixes of astral characters, of U+D7FF and of U+10FFFF find exactly their users', () =>
      withDatabase(backend, async (storage) => {
        await addUsers(storage, [
          '\u{10FFFF}',
          '\u{10FFFF}\u{10FFFF}x',
          'a\u{10FFFF}',
          'a\u{10FFFF}b',
          'b',
          '\uD7FF',
          '\uD7FFz',
          '\uE000',
          '𝔘a',
          '𝔘\u{10FFFF}',
          '𝔙',
        ]);
        assert.deepEqual(await withPrefix(storage, 'a\u{10FFFF}'), ['a\u{10FFFF}', 'a\u{10FFFF}b']);
        assert.deepEqual(await withPrefix(storage, '\u{10FFFF}'), ['\u{10FFFF}', '\u{10FFFF}\u{10FFFF}x']);
        assert.deepEqual(await withPrefix(storage, '\u{10FFFF}\u{10FFFF}'), ['\u{10FFFF}\u{10FFFF}x']);
        assert.deepEqual(await withPrefix(storage, '\uD7FF'), ['\uD7FF', '\uD7FFz']);
        assert.deepEqual(await withPrefix(storage, '𝔘'), ['𝔘a', '𝔘\u{10FFFF}']);
      }));

    test('a prefix finds at most limit users, the first ones in username order', () =>
      withDatabase(backend, async (storage) => {
        const names = Array.from({ length: 30 }, (_, i) => `user_${String(i).padStart(2, '0')}`);
        await addUsers(storage, [...names].reverse());
        assert.deepEqual(await withPrefix(storage, 'user_', 20), names.slice(0, 20));
        assert.deepEqual(await withPrefix(storage, 'user_', 1), ['user_00']);
        assert.deepEqual(await withPrefix(storage, 'user_1', 3), ['user_10', 'user_11', 'user_12']);
        assert.deepEqual(await withPrefix(storage, 'user_', 100), names);
      }));

    test('ids beyond 2^53 are found exactly, never a neighbour', () =>
      withDatabase(backend, async (storage, database) => {
        const floor = 2n ** 53n + 10n;
        await database.raiseIdsAbove(floor);
        const ids = await addUsers(storage, ['a', 'b', 'c']);
        for (const id of ids.values()) assert.ok(BigInt(id) > floor, `${id} > ${floor}`);
        const b = ids.get('b') as string;
        assert.deepEqual(
          (await storage.findUsers({ ids: [b] })).map((user) => [user.id, user.username]),
          [[b, 'b']],
        );
        const beyond = String(BigInt(ids.get('c') as string) + 1n);
        assert.deepEqual(await storage.findUsers({ ids: [beyond] }), []);
        assert.deepEqual((await storage.findUsers({ usernames: ['c'] }))[0]?.id, ids.get('c'));
      }));
  });
}
