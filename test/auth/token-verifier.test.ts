import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompactSign, exportSPKI, SignJWT } from 'jose';
import type { AuthResult } from '../../src/auth/identity.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { type JwksServer, startJwksServer } from './jwks-server.js';
import { base64url, hs256, type ProviderKey, partsOf, providerKey, SECRET, seconds, signedBy } from './tokens.js';

/** A refusal for this reason, whose detail repeats no part of the token. */
function assertRefused(result: AuthResult, reason: string, token: string): void {
  assert.equal(result.ok, false, 'the token was accepted');
  if (result.ok) return;
  assert.equal(result.reason, reason, result.detail);
  for (const part of partsOf(token).filter((part) => part.length > 0)) assert.ok(!result.detail.includes(part));
}

describe('tokens signed with AUTH_SECRET', () => {
  const verifier = createTokenVerifier({ secret: SECRET });

  test('a token with a user id as its sub acts for that user', async () => {
    assert.deepEqual(await verifier.verify(await hs256({ sub: '42' })), {
      ok: true,
      identity: { kind: 'user', userId: '42' },
    });
  });

  test('a token with "admin": true acts for the operator, with or without a sub', async () => {
    const admin = { ok: true, identity: { kind: 'admin' } };
    assert.deepEqual(await verifier.verify(await hs256({ admin: true })), admin);
    assert.deepEqual(await verifier.verify(await hs256({ admin: true, sub: 'operator' })), admin);
  });

  test('a token signed with another secret is refused', async () => {
    const forged = await hs256({ sub: '1' }, 'another-secret-that-is-long-enough-too');
    assertRefused(await verifier.verify(forged), 'invalid', forged);
  });

  test('a token whose payload was changed after signing is refused', async () => {
    const [header, , signature] = partsOf(await hs256({ sub: '1' }));
    const tampered = `${header}.${base64url({ sub: '2', exp: seconds() + 3_600 })}.${signature}`;
    assertRefused(await verifier.verify(tampered), 'invalid', tampered);
    const promoted = `${header}.${base64url({ sub: '1', admin: true, exp: seconds() + 3_600 })}.${signature}`;
    assertRefused(await verifier.verify(promoted), 'invalid', promoted);
  });

  test('an unsigned token (alg: none) is refused, with or without a signature part', async () => {
    const claims = base64url({ sub: '1', admin: true, exp: seconds() + 3_600 });
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${base64url({ alg, typ: 'JWT' })}.${claims}.`;
      assertRefused(await verifier.verify(unsigned), 'invalid', unsigned);
    }
    const [, , signature] = partsOf(await hs256({ sub: '1' }));
    const withSignature = `${base64url({ alg: 'none' })}.${claims}.${signature}`;
    assertRefused(await verifier.verify(withSignature), 'invalid', withSignature);
  });

  test('a token signed with RS256 is refused when only the secret is configured', async () => {
    const key = await providerKey('RS256', 'k1');
    const token = await signedBy(key, { sub: '1' });
    const result = await verifier.verify(token);
    assertRefused(result, 'invalid', token);
    assert.match(result.ok ? '' : result.detail, /must be HS256/);
  });

  test('a token signed with another HMAC (HS512) is refused: the algorithm is pinned to HS256', async () => {
    const hs512 = await new SignJWT({ sub: '1', exp: seconds() + 60 })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(SECRET));
    assertRefused(await verifier.verify(hs512), 'invalid', hs512);
  });

  test('a token without exp is refused: every token must end', async () => {
    const token = await hs256({ sub: '1', exp: undefined });
    const result = await verifier.verify(token);
    assertRefused(result, 'invalid', token);
    assert.match(result.ok ? '' : result.detail, /no "exp"/);
  });

  test('an expired token is refused as expired, beyond a few seconds of clock tolerance', async () => {
    const expired = await hs256({ sub: '1', iat: seconds() - 120, exp: seconds() - 60 });
    assertRefused(await verifier.verify(expired), 'expired', expired);
    const justNow = await hs256({ sub: '1', exp: seconds() - 1 });
    assert.equal((await verifier.verify(justNow)).ok, true);
  });

  test('a token not valid yet (nbf in the future) is refused', async () => {
    const early = await hs256({ sub: '1', nbf: seconds() + 120 });
    const result = await verifier.verify(early);
    assertRefused(result, 'invalid', early);
    assert.match(result.ok ? '' : result.detail, /not valid yet/);
  });

  test('a sub that is not a user id in its canonical form is refused', async () => {
    const subjects: unknown[] = [
      '007',
      '0',
      'abc',
      '',
      ' 42',
      '42 ',
      '4e2',
      '-1',
      '99999999999999999999',
      '9223372036854775808',
      42,
      true,
      null,
      ['1'],
      { id: '1' },
    ];
    for (const sub of subjects) {
      const token = await hs256({ sub } as Record<string, unknown>);
      assertRefused(await verifier.verify(token), 'invalid', token);
    }
    assert.equal((await verifier.verify(await hs256({ sub: '9223372036854775807' }))).ok, true);
  });

  test('a token without sub and without "admin": true acts for nobody', async () => {
    for (const claims of [{}, { admin: false }]) {
      const token = await hs256(claims);
      assertRefused(await verifier.verify(token), 'invalid', token);
    }
    const stringAdmin = await hs256({ admin: 'true' });
    assertRefused(await verifier.verify(stringAdmin), 'invalid', stringAdmin);
  });

  test('a malformed token is refused as malformed, never thrown', async () => {
    const bad = [
      '',
      'x',
      'a.b',
      'a.b.c',
      'a.b.c.d.e',
      '...',
      `${'a'.repeat(9_000)}.b.c`,
      'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln',
    ];
    for (const token of bad) {
      const result = await verifier.verify(token);
      assert.equal(result.ok, false, token);
      assert.ok(!result.ok && (result.reason === 'malformed' || result.reason === 'invalid'), token);
    }
    // Signed with the right secret, but its payload is no JSON object: the signature is checked first.
    for (const payload of ['not json', '[1]', '"text"']) {
      const notClaims = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(SECRET));
      assertRefused(await verifier.verify(notClaims), 'malformed', notClaims);
    }
  });
});

describe('tokens signed by a key of AUTH_JWKS_URL', () => {
  let rsa: ProviderKey;
  let ec: ProviderKey;
  let ed: ProviderKey;
  let jwks: JwksServer;

  before(async () => {
    [rsa, ec, ed] = await Promise.all([
      providerKey('RS256', 'rsa-1'),
      providerKey('ES256', 'ec-1'),
      providerKey('EdDSA', 'ed-1'),
    ]);
    jwks = await startJwksServer([rsa.jwk, ec.jwk, ed.jwk]);
  });
  after(() => jwks.close());

  const withKeySet = (checks: { issuer?: string; audience?: string } = {}) =>
    createTokenVerifier({ secret: SECRET, jwksUrl: jwks.url, ...checks });

  test("RS256, ES256 and EdDSA tokens of the key set are accepted, and Parley's own tokens still are", async () => {
    const verifier = withKeySet();
    for (const key of [rsa, ec, ed]) {
      assert.deepEqual(
        await verifier.verify(await signedBy(key, { sub: '7' })),
        {
          ok: true,
          identity: { kind: 'user', userId: '7' },
        },
        key.alg,
      );
    }
    assert.equal((await verifier.verify(await hs256({ sub: '7' }))).ok, true);
  });

  test("an HS256 token signed with the key set's public key as its secret is refused (algorithm confusion)", async () => {
    const verifier = withKeySet();
    const pem = await exportSPKI(rsa.publicKey);
    const jwkText = JSON.stringify(rsa.jwk);
    for (const publicSecret of [pem, pem.trim(), jwkText]) {
      for (const header of [{ kid: rsa.kid }, {}]) {
        const confused = await hs256({ sub: '1', admin: true }, publicSecret, header);
        assertRefused(await verifier.verify(confused), 'invalid', confused);
      }
    }
    // The same signature under a header that claims RS256 is no RSA signature either.
    const [, claims, signature] = partsOf(await hs256({ sub: '1' }, pem));
    const relabelled = `${base64url({ alg: 'RS256', kid: rsa.kid })}.${claims}.${signature}`;
    assertRefused(await verifier.verify(relabelled), 'invalid', relabelled);
  });

  test("AUTH_ISSUER and AUTH_AUDIENCE are required of the key set's tokens", async () => {
    const verifier = withKeySet({ issuer: 'https://idp.example/', audience: 'parley' });
    const good = await signedBy(rsa, { sub: '7', iss: 'https://idp.example/', aud: ['other', 'parley'] });
    assert.equal((await verifier.verify(good)).ok, true);

    const wrongIssuer = await signedBy(rsa, { sub: '7', iss: 'https://evil.example/', aud: 'parley' });
    const wrongAudience = await signedBy(rsa, { sub: '7', iss: 'https://idp.example/', aud: 'another-app' });
    const noIssuer = await signedBy(rsa, { sub: '7', aud: 'parley' });
    const noAudience = await signedBy(rsa, { sub: '7', iss: 'https://idp.example/' });
    for (const token of [wrongIssuer, wrongAudience, noIssuer, noAudience]) {
      assertRefused(await verifier.verify(token), 'invalid', token);
    }
    const result = await verifier.verify(wrongAudience);
    assert.match(result.ok ? '' : result.detail, /audience/);
  });

  test("the key set's tokens follow the same claim rules: exp required, sub a user id", async () => {
    const verifier = withKeySet();
    for (const claims of [{ sub: '7', exp: undefined }, { sub: 'auth0|abc' }, { sub: '7', exp: seconds() - 60 }]) {
      const token = await signedBy(ec, claims);
      const result = await verifier.verify(token);
      assert.equal(result.ok, false, JSON.stringify(claims));
    }
    assert.deepEqual(await verifier.verify(await signedBy(ed, { admin: true })), {
      ok: true,
      identity: { kind: 'admin' },
    });
  });

  test('a key set that cannot be fetched makes its tokens unjudgeable, not invalid', async () => {
    const gone = await startJwksServer([rsa.jwk]);
    const url = gone.url;
    await gone.close();
    const verifier = createTokenVerifier({ secret: SECRET, jwksUrl: url });
    const token = await signedBy(rsa, { sub: '7' });
    assertRefused(await verifier.verify(token), 'keys_unavailable', token);
    assert.equal((await verifier.verify(await hs256({ sub: '7' }))).ok, true, 'own tokens do not need the key set');
  });
});

describe('key rotation at the identity provider', () => {
  test('a new kid is fetched once the cooldown has passed, and the old kid is then refused', async () => {
    const [old, rotated] = await Promise.all([providerKey('ES256', 'old'), providerKey('ES256', 'new')]);
    const jwks = await startJwksServer([old.jwk]);
    try {
      const cooldownMs = 100;
      const verifier = createTokenVerifier({ secret: SECRET, jwksUrl: jwks.url, jwksCooldownMs: cooldownMs });
      assert.equal((await verifier.verify(await signedBy(old, { sub: '1' }))).ok, true);
      assert.equal(jwks.fetches, 1);

      jwks.serve([rotated.jwk]);
      await new Promise((resolve) => setTimeout(resolve, cooldownMs + 50));
      assert.equal((await verifier.verify(await signedBy(rotated, { sub: '1' }))).ok, true);
      assert.equal(jwks.fetches, 2, 'the unknown kid fetched the set again');

      const stale = await signedBy(old, { sub: '1' });
      assertRefused(await verifier.verify(stale), 'invalid', stale);
      assert.equal(jwks.fetches, 2, 'within the cooldown, an unknown kid does not fetch again');
    } finally {
      await jwks.close();
    }
  });

  test('within the 30-second cooldown, tokens with unknown kids do not make the server fetch the set again', async () => {
    const [known, unknown] = await Promise.all([providerKey('RS256', 'known'), providerKey('RS256', 'unknown')]);
    const jwks = await startJwksServer([known.jwk]);
    try {
      const verifier = createTokenVerifier({ secret: SECRET, jwksUrl: jwks.url });
      assert.equal((await verifier.verify(await signedBy(known, { sub: '1' }))).ok, true);
      jwks.serve([known.jwk, unknown.jwk]);
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const token = await signedBy(unknown, { sub: '1' });
        assertRefused(await verifier.verify(token), 'invalid', token);
      }
      assert.equal(jwks.fetches, 1);
    } finally {
      await jwks.close();
    }
  });
});
