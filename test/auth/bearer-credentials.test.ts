import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBearerCredential, withoutAccessToken, wwwAuthenticate } from '../../src/auth/bearer-credentials.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

test('a request without a token carries none', () => {
  assert.deepEqual(readBearerCredential(undefined), { kind: 'none' });
  assert.deepEqual(readBearerCredential(undefined, undefined), { kind: 'none' });
});

test('the Authorization header carries a bearer token, the scheme in any case', () => {
  for (const header of [`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER ${JWT}`, `Bearer   ${JWT}`, ` Bearer ${JWT} `]) {
    assert.deepEqual(readBearerCredential(header), { kind: 'token', token: JWT }, header);
  }
  assert.deepEqual(readBearerCredential('Bearer abc+/=='), { kind: 'token', token: 'abc+/==' });
});

test('a malformed Authorization header is malformed, and its detail does not repeat it', () => {
  const wrong = [
    'Bearer',
    'Bearer ',
    `Basic ${JWT}`,
    JWT,
    `Bearer ${JWT} extra`,
    `Bearer ${JWT},x`,
    'Bearer a=b',
    'Token abc',
    '',
  ];
  for (const header of wrong) {
    const credential = readBearerCredential(header);
    assert.equal(credential.kind, 'malformed', header);
    assert.ok(credential.kind === 'malformed' && !credential.detail.includes(JWT));
  }
  assert.equal(readBearerCredential([`Bearer ${JWT}`, `Bearer ${JWT}`]).kind, 'malformed');
});

test('access_token is read only when the caller passes it (on /events), and never beside the header', () => {
  assert.deepEqual(readBearerCredential(undefined, JWT), { kind: 'token', token: JWT });
  assert.equal(readBearerCredential(`Bearer ${JWT}`, JWT).kind, 'malformed');
  assert.equal(readBearerCredential(undefined, [JWT, JWT]).kind, 'malformed');
  assert.equal(readBearerCredential(undefined, '').kind, 'malformed');
  assert.equal(readBearerCredential(undefined, 'has space').kind, 'malformed');
});

test('WWW-Authenticate asks for a token when none was sent, and says invalid_token when one was refused', () => {
  assert.equal(wwwAuthenticate('missing'), 'Bearer');
  for (const reason of ['malformed', 'invalid', 'expired', 'unknown_user'] as const) {
    assert.equal(wwwAuthenticate(reason), 'Bearer error="invalid_token"');
  }
});

test('a URL logged without its access_token value', () => {
  assert.equal(withoutAccessToken(`/events?chat=1&access_token=${JWT}`), '/events?chat=1&access_token=[redacted]');
  assert.equal(withoutAccessToken(`/events?access_token=${JWT}&user=2`), '/events?access_token=[redacted]&user=2');
  assert.equal(withoutAccessToken('/events?user=2'), '/events?user=2');
  assert.ok(!withoutAccessToken(`/events?access_token=${JWT}&access_token=${JWT}`).includes(JWT));
});
