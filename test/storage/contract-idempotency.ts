import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend } from '../support/backends.js';
import { messagesIn } from '../support/backends.js';
import { created, withDatabase } from './contract-support.js';

const key = (name: string, fingerprint = `fingerprint of ${name}`) => ({ key: name, fingerprint });

/** Retries with an idempotency key never duplicate, whichever process or moment they arrive at. */
export function idempotencyContract(backend: Backend): void {
  describe(`${backend.name} idempotency keys`, () => {
    test('a repeat with the same key and request answers the first id and creates nothing', () =>
      withDatabase(backend, async (storage) => {
        const first = created(await storage.addUser('ann', key('k1')));
        assert.deepEqual(await storage.addUser('ann', key('k1')), { ok: true, id: first });
        const b = created(await storage.addUser('bob'));
        const chat = created(await storage.addChat('room', [first, b], key('k2')));
        assert.deepEqual(await storage.addChat('room', [first, b], key('k2')), { ok: true, id: chat });
        const message = created(await storage.addMessage(chat, b, 'hi', key('k3')));
        assert.deepEqual(await storage.addMessage(chat, b, 'hi', key('k3')), { ok: true, id: message });
        assert.deepEqual(
          (await messagesIn(storage, chat)).map((m) => m.id),
          [message],
        );
      }));

    test('keys differing only by case or by trailing spaces are different keys', () =>
      withDatabase(backend, async (storage) => {
        const ids = [];
        for (const name of ['k', 'k ', 'K', ' k']) {
          ids.push(created(await storage.addUser(`user of ${JSON.stringify(name)}`, key(name, `for ${name}`))));
        }
        assert.equal(new Set(ids).size, 4, 'four users, one per key');
        assert.deepEqual(await storage.addUser('user of "k "', key('k ', 'for k ')), { ok: true, id: ids[1] });
      }));

    test('the same key with a different request is refused, on any method', () =>
      withDatabase(backend, async (storage) => {
        const a = created(await storage.addUser('ann', key('k', 'users/add ann')));
        assert.deepEqual(await storage.addUser('eve', key('k', 'users/add eve')), { ok: false, reason: 'key_reused' });
        const b = created(await storage.addUser('bob'));
        assert.deepEqual(await storage.addChat('room', [a, b], key('k', 'chats/add')), {
          ok: false,
          reason: 'key_reused',
        });
        assert.deepEqual(await storage.chatsOfUser(a), [], 'nothing was created');
      }));

    test('a refused request does not use up its key', () =>
      withDatabase(backend, async (storage) => {
        created(await storage.addUser('ann'));
        assert.deepEqual(await storage.addUser('ann', key('k', 'users/add ann')), {
          ok: false,
          reason: 'username_taken',
        });
        created(await storage.addUser('eve', key('k', 'users/add eve')));
      }));

    test('a burst of identical requests with one key creates exactly one message', () =>
      withDatabase(backend, async (storage) => {
        const a = created(await storage.addUser('a'));
        const b = created(await storage.addUser('b'));
        const chat = created(await storage.addChat('room', [a, b]));
        const results = await Promise.all(
          Array.from({ length: 24 }, () => storage.addMessage(chat, a, 'once', key('burst'))),
        );
        const ids = new Set(results.map((result) => created(result)));
        assert.equal(ids.size, 1);
        assert.deepEqual(
          (await messagesIn(storage, chat)).map((m) => m.id),
          [...ids],
        );
      }));

    test('keys older than the cutoff are forgotten in bounded batches, newer ones kept', () => {
      let now = Date.UTC(2026, 0, 1);
      return withDatabase(
        backend,
        async (storage) => {
          for (const name of ['old1', 'old2', 'old3']) created(await storage.addUser(name, key(name)));
          now += 25 * 3600_000;
          const kept = created(await storage.addUser('new', key('new')));
          const cutoff = now - 24 * 3600_000;
          assert.equal(await storage.forgetIdempotencyKeys(cutoff, 2), 2);
          assert.equal(await storage.forgetIdempotencyKeys(cutoff, 2), 1);
          assert.equal(await storage.forgetIdempotencyKeys(cutoff, 2), 0);
          assert.deepEqual(await storage.addUser('new', key('new')), { ok: true, id: kept });
          assert.deepEqual(await storage.addUser('old1', key('old1')), { ok: false, reason: 'username_taken' });
        },
        () => now,
      );
    });
  });
}
