import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, test } from 'node:test';
import { MemoryFailureStore } from '../../src/auth/memory-failure-store.js';
import { hashPassword } from '../../src/auth/password-hash.js';
import { type SignInAccount, type SignInDependencies, signIn } from '../../src/auth/sign-in.js';
import { SignInLockout } from '../../src/auth/sign-in-lockout.js';
import { signToken } from '../../src/auth/token-signer.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { SECRET } from './tokens.js';

const accounts = new Map<string, SignInAccount>();
before(async () => {
  accounts.set('ann', { id: '1', passwordHash: await hashPassword('ann-password') });
  accounts.set('bob', { id: '2', passwordHash: null });
});

function dependencies(): SignInDependencies {
  return {
    findAccount: async (username) => accounts.get(username),
    lockout: new SignInLockout(new MemoryFailureStore()),
    issueToken: (userId) => signToken({ userId }, 86_400, SECRET),
  };
}

test('the right username and password get a token for that user', async () => {
  const result = await signIn('ann', 'ann-password', dependencies());
  assert.ok(result.ok);
  assert.equal(result.user, '1');
  assert.match(result.expires_at, /Z$/);
  const verified = await createTokenVerifier({ secret: SECRET }).verify(result.token);
  assert.deepEqual(verified, { ok: true, identity: { kind: 'user', userId: '1' } });
});

test('a wrong password, an unknown username and a user without a password get one answer after the same work', async (t) => {
  const scrypt = t.mock.method(crypto, 'scrypt');
  const deps = dependencies();
  const answers = [];
  for (const [username, password] of [
    ['ann', 'wrong-password'],
    ['nobody', 'ann-password'],
    ['bob', 'any-password'],
  ] as const) {
    scrypt.mock.resetCalls();
    answers.push(await signIn(username, password, deps));
    assert.equal(scrypt.mock.callCount(), 1, `${username}: one scrypt derivation`);
  }
  const wrong = { ok: false, why: 'wrong_credentials', detail: 'the username or the password is wrong' };
  assert.deepEqual(answers, [wrong, wrong, wrong]);
});

test('after 10 failures even the right password is refused with Retry-After, and no hash is computed', async (t) => {
  const deps = dependencies();
  for (let attempt = 0; attempt < 10; attempt += 1) {
    assert.equal((await signIn('ann', `guess-${attempt}`, deps)).ok, false);
  }
  const scrypt = t.mock.method(crypto, 'scrypt');
  const locked = await signIn('ann', 'ann-password', deps);
  assert.equal(locked.ok, false);
  assert.ok(!locked.ok && locked.why === 'locked' && locked.retryAfterSeconds > 0 && locked.retryAfterSeconds <= 900);
  assert.match(
    !locked.ok ? locked.detail : '',
    /^too many failed sign-ins for this username; try again in \d+ seconds$/,
  );
  assert.equal(scrypt.mock.callCount(), 0);
  const other = await signIn('nobody', 'x-password', deps);
  assert.equal(!other.ok && other.why, 'wrong_credentials', 'other usernames are not locked');
});

test('unknown usernames are locked out alike, so the lockout tells nobody which usernames exist', async () => {
  const deps = dependencies();
  for (let attempt = 0; attempt < 10; attempt += 1) await signIn('nobody', 'guess-password', deps);
  const locked = await signIn('nobody', 'guess-password', deps);
  assert.equal(!locked.ok && locked.why, 'locked');
});

test("a success clears the username's earlier failures", async () => {
  const deps = dependencies();
  for (let attempt = 0; attempt < 9; attempt += 1) await signIn('ann', 'wrong-password', deps);
  assert.equal((await signIn('ann', 'ann-password', deps)).ok, true);
  for (let attempt = 0; attempt < 9; attempt += 1) await signIn('ann', 'wrong-password', deps);
  assert.equal((await signIn('ann', 'ann-password', deps)).ok, true);
});
