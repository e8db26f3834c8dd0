import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  hashPassword,
  needsRehash,
  SCRYPT_PARAMETERS,
  verifyPassword,
  verifyWithoutUser,
} from '../../src/auth/password-hash.js';
import { passwordProblem } from '../../src/auth/password-rules.js';

test('a hashed password verifies, and a wrong one does not', async () => {
  const stored = await hashPassword('correct horse battery staple');
  assert.equal(await verifyPassword('correct horse battery staple', stored), true);
  assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
  assert.equal(await verifyPassword('Correct horse battery staple', stored), false);
});

test('the hash names its parameters and a salt of its own, and never holds the password', async () => {
  const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
  assert.match(a, /^scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b, 'two hashes of one password differ by their salts');
  assert.ok(!a.includes('same password'));
  assert.equal(needsRehash(a), false);
  assert.equal(needsRehash(a.replace('ln=14', 'ln=12')), true);
});

test('a password typed in another Unicode normal form still matches', async () => {
  const composed = 'caf\u00e9-au-lait';
  const decomposed = 'cafe\u0301-au-lait';
  assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
});

test('an unknown username spends the same scrypt work as a wrong password, and is never right', async (t) => {
  const stored = await hashPassword('the real password');
  const scrypt = t.mock.method(crypto, 'scrypt');
  const costOf = () =>
    scrypt.mock.calls.map((call) => {
      const { N, r, p } = call.arguments[3] as crypto.ScryptOptions;
      return { N, r, p, length: call.arguments[2] };
    });

  assert.equal(await verifyPassword('a wrong password', stored), false);
  const wrongPassword = costOf();
  scrypt.mock.resetCalls();
  assert.equal(await verifyWithoutUser('a wrong password'), false);
  const unknownUser = costOf();

  assert.equal(wrongPassword.length, 1);
  assert.deepEqual(unknownUser, wrongPassword);
  assert.deepEqual(unknownUser[0], {
    N: 2 ** SCRYPT_PARAMETERS.ln,
    r: SCRYPT_PARAMETERS.r,
    p: SCRYPT_PARAMETERS.p,
    length: 32,
  });
});

test('a stored value that is not one of our hashes is refused loudly, without repeating it', async () => {
  for (const stored of [
    '',
    'plaintext-password',
    'scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$2b$10$abcdefghijklmnopqrstuu',
  ]) {
    await assert.rejects(
      verifyPassword('whatever', stored),
      (error: Error) => !(stored !== '' && error.message.includes(stored)),
    );
  }
});

test('a password is 8-1024 characters, counted as code points', () => {
  assert.equal(passwordProblem('12345678'), undefined);
  assert.equal(passwordProblem('𝔘'.repeat(8)), undefined);
  assert.equal(passwordProblem('x'.repeat(1024)), undefined);
  assert.equal(passwordProblem('1234567'), 'password must be 8-1024 characters long');
  assert.equal(
    passwordProblem('𝔘'.repeat(4)),
    'password must be 8-1024 characters long',
    'eight UTF-16 units, four characters',
  );
  assert.equal(passwordProblem('𝔘'.repeat(1025)), 'password must be 8-1024 characters long');
  assert.match(passwordProblem('abcdefgh\uD800') ?? '', /unpaired surrogates/);
});
