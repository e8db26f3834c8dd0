import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticate } from '../../src/auth/authenticate.js';
import { readBearerCredential } from '../../src/auth/bearer-credentials.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { hs256, SECRET } from './tokens.js';

const verifier = createTokenVerifier({ secret: SECRET });
/** The storage of these tests knows users 1 and 2, and counts how often it was asked. */
function users() {
  const asked: string[] = [];
  const exists = async (id: string) => {
    asked.push(id);
    return id === '1' || id === '2';
  };
  return { asked, exists };
}

test('a good token of an existing user authenticates as that user', async () => {
  const storage = users();
  const result = await authenticate(
    readBearerCredential(`Bearer ${await hs256({ sub: '2' })}`),
    verifier,
    storage.exists,
  );
  assert.deepEqual(result, { ok: true, identity: { kind: 'user', userId: '2' } });
  assert.deepEqual(storage.asked, ['2']);
});

test('a good token whose sub is no user is refused as unknown_user', async () => {
  const result = await authenticate(
    readBearerCredential(`Bearer ${await hs256({ sub: '99' })}`),
    verifier,
    users().exists,
  );
  assert.deepEqual(result, { ok: false, reason: 'unknown_user', detail: "the token's user 99 does not exist" });
});

test('an admin token is not looked up in the storage', async () => {
  const storage = users();
  const result = await authenticate(
    readBearerCredential(`Bearer ${await hs256({ admin: true })}`),
    verifier,
    storage.exists,
  );
  assert.deepEqual(result, { ok: true, identity: { kind: 'admin' } });
  assert.deepEqual(storage.asked, []);
});

test('no token is missing, a malformed header is malformed, a refused token is not looked up', async () => {
  const storage = users();
  assert.equal(
    (await authenticate(readBearerCredential(undefined), verifier, storage.exists)).ok === false && 'missing',
    'missing',
  );
  const malformed = await authenticate(readBearerCredential('Basic dXNlcjpwdw=='), verifier, storage.exists);
  assert.equal(!malformed.ok && malformed.reason, 'malformed');
  const forged = await authenticate(
    readBearerCredential(`Bearer ${await hs256({ sub: '1' }, 'not-the-secret-but-long-enough-anyway')}`),
    verifier,
    storage.exists,
  );
  assert.equal(!forged.ok && forged.reason, 'invalid');
  assert.deepEqual(storage.asked, []);
});

test("a storage that cannot answer is the caller's error, not a refusal", async () => {
  const token = await hs256({ sub: '1' });
  await assert.rejects(
    authenticate(readBearerCredential(`Bearer ${token}`), verifier, async () => {
      throw new Error('database away');
    }),
    /database away/,
  );
});
