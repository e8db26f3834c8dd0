import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signToken } from '../../src/auth/token-signer.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { SECRET } from './tokens.js';

const verifier = createTokenVerifier({ secret: SECRET });

test('a signed token for a user verifies as that user, with iat, exp and the expiry in ISO form', async () => {
  const now = new Date();
  const { token, expires_at } = await signToken({ userId: '42' }, 3_600, SECRET, now);
  assert.deepEqual(await verifier.verify(token), { ok: true, identity: { kind: 'user', userId: '42' } });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
  const claims = decodeJwt(token);
  const iat = Math.floor(now.getTime() / 1000);
  assert.deepEqual(claims, { sub: '42', iat, exp: iat + 3_600 });
  assert.equal(expires_at, new Date((iat + 3_600) * 1000).toISOString());
  assert.match(expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
});

test('an admin token carries "admin": true and no sub', async () => {
  const { token } = await signToken({ admin: true }, 60, SECRET);
  assert.deepEqual(await verifier.verify(token), { ok: true, identity: { kind: 'admin' } });
  assert.equal(decodeJwt(token).sub, undefined);
});

test('a token signed in the past is expired once its lifetime has passed', async () => {
  const { token } = await signToken({ userId: '1' }, 60, SECRET, new Date(Date.now() - 3_600_000));
  const result = await verifier.verify(token);
  assert.equal(!result.ok && result.reason, 'expired');
});

test("a subject or lifetime the verifier would refuse is the calling code's mistake, thrown", async () => {
  await assert.rejects(signToken({ userId: '007' }, 60, SECRET), RangeError);
  await assert.rejects(signToken({ userId: 'ann' }, 60, SECRET), RangeError);
  await assert.rejects(signToken({ userId: '1' }, 0, SECRET), RangeError);
  await assert.rejects(signToken({ userId: '1' }, 1.5, SECRET), RangeError);
});
