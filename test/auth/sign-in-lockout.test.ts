import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryFailureStore } from '../../src/auth/memory-failure-store.js';
import { openCounterRedis } from '../../src/auth/redis-connection.js';
import { RedisFailureStore } from '../../src/auth/redis-failure-store.js';
import { SignInLockout } from '../../src/auth/sign-in-lockout.js';
import { describeWithService } from '../support/databases.js';
import { REDIS_URL, redisAvailable } from '../support/redis.js';

const MINUTE = 60_000;

/** A lockout on a memory store whose clock the test moves. */
function lockoutWithClock() {
  let now = 1_000_000;
  const lockout = new SignInLockout(new MemoryFailureStore(() => now));
  return { lockout, advance: (ms: number) => (now += ms) };
}

async function fail(lockout: SignInLockout, username: string, times: number): Promise<void> {
  for (let attempt = 0; attempt < times; attempt += 1) {
    assert.deepEqual(await lockout.begin(username), { locked: false }, `attempt ${attempt + 1}`);
  }
}

test('after 10 failures for one username, the 11th attempt is refused for 15 minutes', async () => {
  const { lockout, advance } = lockoutWithClock();
  await fail(lockout, 'ann', 10);
  assert.deepEqual(await lockout.begin('ann'), { locked: true, retryAfterSeconds: 900 });
  advance(10 * MINUTE);
  assert.deepEqual(await lockout.begin('ann'), { locked: true, retryAfterSeconds: 300 });
  advance(5 * MINUTE);
  assert.deepEqual(await lockout.begin('ann'), { locked: false });
});

test('the window slides: 10 failures in any 15 minutes lock, wherever they fall', async () => {
  const { lockout, advance } = lockoutWithClock();
  await fail(lockout, 'ann', 5);
  advance(14 * MINUTE);
  await fail(lockout, 'ann', 5);
  assert.equal((await lockout.begin('ann')).locked, true);
  advance(MINUTE);
  // The first five are now 15 minutes old: five places are free, not ten.
  await fail(lockout, 'ann', 5);
  assert.deepEqual(await lockout.begin('ann'), { locked: true, retryAfterSeconds: 14 * 60 });
});

test("a success clears that username's failures and no one else's", async () => {
  const { lockout } = lockoutWithClock();
  await fail(lockout, 'ann', 9);
  await fail(lockout, 'bob', 10);
  await lockout.succeeded('ann');
  await fail(lockout, 'ann', 10);
  assert.equal((await lockout.begin('bob')).locked, true);
  assert.equal((await lockout.begin('Bob')).locked, false, 'usernames are case-sensitive');
});

const prefixes: string[] = [];
after(async () => {
  if (!redisAvailable || prefixes.length === 0) return;
  const cleaner = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  cleaner.disconnect();
});

describeWithService('sign-in failures counted in Redis across processes', redisAvailable, 'Redis', () => {
  /** Two stores on two connections, as two server processes have them, sharing a prefix of this test's own. */
  function twoProcesses(t: import('node:test').TestContext) {
    const prefix = `parley-test:${process.pid}:${randomBytes(4).toString('hex')}:sign-in-failures:`;
    prefixes.push(prefix);
    const connections = [openCounterRedis(REDIS_URL), openCounterRedis(REDIS_URL)];
    t.after(() => {
      for (const connection of connections) connection.disconnect();
    });
    // Commands are not queued before a connection is up (they would fall back to memory).
    const ready = Promise.all(connections.map((redis) => redis.status === 'ready' || once(redis, 'ready')));
    const [a, b] = connections.map((redis) => new SignInLockout(new RedisFailureStore(redis, { keyPrefix: prefix })));
    return { a: a as SignInLockout, b: b as SignInLockout, prefix, ready };
  }

  test('failures made through two processes add up to one lockout', async (t) => {
    const { a, b, ready } = twoProcesses(t);
    await ready;
    await fail(a, 'ann', 5);
    await fail(b, 'ann', 5);
    for (const process of [a, b]) {
      const gate = await process.begin('ann');
      assert.equal(gate.locked, true);
      assert.ok(gate.locked && gate.retryAfterSeconds >= 1 && gate.retryAfterSeconds <= 900, JSON.stringify(gate));
    }
    await b.succeeded('ann');
    assert.deepEqual(await a.begin('ann'), { locked: false }, 'a success in one process clears the count for all');
  });

  test('attempts sent at once cannot exceed the limit between them', async (t) => {
    const { a, b, ready } = twoProcesses(t);
    await ready;
    const gates = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).begin('bob')));
    assert.equal(gates.filter((gate) => !gate.locked).length, 10);
  });

  test('Redis holds a hash of the username, never the username', async (t) => {
    const { a, prefix, ready } = twoProcesses(t);
    await ready;
    await a.begin('carol.secret-name');
    const reader = new Redis(REDIS_URL);
    t.after(() => reader.disconnect());
    const keys = await reader.keys(`${prefix}*`);
    assert.deepEqual(keys, [prefix + createHash('sha256').update('carol.secret-name').digest('hex')]);
  });
});

test('with Redis unreachable, sign-in goes on, counted in the process, and the outage is told once', async (t) => {
  const told: unknown[] = [];
  const redis = openCounterRedis('redis://127.0.0.1:1');
  t.after(() => redis.disconnect());
  const lockout = new SignInLockout(new RedisFailureStore(redis, { onUnavailable: (error) => told.push(error) }));
  await fail(lockout, 'ann', 10);
  assert.equal((await lockout.begin('ann')).locked, true);
  await lockout.succeeded('ann');
  assert.deepEqual(await lockout.begin('ann'), { locked: false });
  assert.equal(told.length, 1);
});
