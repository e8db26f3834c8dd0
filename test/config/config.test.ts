import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError, DEFAULT_SQLITE_FILE, loadConfig } from '../../src/config.js';

test('with nothing set, Parley listens on 0.0.0.0:9000 with an SQLite file under ./data', () => {
  const config = loadConfig({});
  assert.equal(config.port, 9000);
  assert.equal(config.host, '0.0.0.0');
  assert.deepEqual(config.database, { kind: 'sqlite', file: DEFAULT_SQLITE_FILE });
  assert.ok(Object.isFrozen(config));
});

test('DATABASE_URL names the backend, and DATABASE_URI is its alias', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, { kind: 'sqlite', file: ':memory:' });
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database, { kind: 'sqlite', file: '/tmp/x.db' });
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:///tmp/x.db' }).database, { kind: 'sqlite', file: '/tmp/x.db' });
  const seed = 'mysql+pymysql://avitochat:secret@dbserver/chat';
  assert.deepEqual(loadConfig({ DATABASE_URI: seed }).database, { kind: 'mysql', url: seed });
  const pg = 'postgres://postgres@127.0.0.1:5432/chat';
  assert.deepEqual(loadConfig({ DATABASE_URL: pg, DATABASE_URI: seed }).database, { kind: 'postgres', url: pg });
  assert.equal(loadConfig({ DATABASE_URL: 'postgresql://h/db' }).database.kind, 'postgres');
});

test('a wrong setting is refused with a message that names it', () => {
  assert.throws(() => loadConfig({ PORT: '70000' }), new ConfigError('PORT must be an integer 1-65535, got "70000"'));
  assert.throws(() => loadConfig({ PORT: '8o' }), /PORT must be an integer/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'redis://x' }), /DATABASE_URL must start with sqlite:/);
  assert.throws(() => loadConfig({ DATABASE_URI: 'mysql://' }), /DATABASE_URI must be a URL/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'sqlite:' }), /DATABASE_URL must name a file/);
  assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
});

test('REDIS_URL is optional, and taken as given when it names Redis', () => {
  assert.equal(loadConfig({}).redisUrl, undefined);
  assert.equal(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redisUrl, 'redis://cache:6379/2');
  assert.equal(loadConfig({ REDIS_URL: 'rediss://:pw@cache:6380' }).redisUrl, 'rediss://:pw@cache:6380');
});

test('a password never appears in a configuration error', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'oracle://user:hunter2@db/chat' }),
    (error: Error) => !error.message.includes('hunter2') && error.message.includes('user:***@'),
  );
  assert.throws(
    () => loadConfig({ REDIS_URL: 'http://user:hunter2@cache:6379' }),
    (error: Error) => !error.message.includes('hunter2') && /got a http:\/\/ URL/.test(error.message),
  );
});

const SECRET = 'a-secret-of-exactly-32-characters';

test('without AUTH_SECRET identity and access are off, writes are not limited and no origin is allowed', () => {
  const config = loadConfig({});
  assert.equal(config.auth, undefined);
  assert.equal(config.rateLimit, undefined);
  assert.deepEqual(config.corsOrigins, []);
  assert.ok(Object.isFrozen(config.corsOrigins));
});

test('AUTH_SECRET turns identity on with closed sign-up and 24-hour tokens', () => {
  const auth = loadConfig({ AUTH_SECRET: SECRET }).auth;
  assert.ok(auth);
  assert.equal(auth.secret, SECRET);
  assert.equal(auth.tokenTtlSeconds, 86_400);
  assert.equal(auth.signup, 'closed');
  assert.equal(auth.jwksUrl, undefined);
  assert.equal(auth.issuer, undefined);
  assert.equal(auth.audience, undefined);
  assert.ok(Object.isFrozen(auth));
});

test('the secret stays out of a config that is logged or serialised by mistake', () => {
  const config = loadConfig({ AUTH_SECRET: SECRET });
  assert.ok(!JSON.stringify(config).includes(SECRET));
  assert.ok(!inspect(config, { depth: 5 }).includes(SECRET));
});

test('AUTH_SECRET shorter than 32 characters is refused without repeating it', () => {
  const short = 'hunter2-but-longer-than-that';
  assert.throws(
    () => loadConfig({ AUTH_SECRET: short }),
    (error: Error) =>
      error instanceof ConfigError &&
      /^AUTH_SECRET must be at least 32 characters long .*got 28$/.test(error.message) &&
      !error.message.includes(short),
  );
  // Characters are code points, as everywhere in the API: 31 astral characters are 62 UTF-16 units.
  assert.throws(() => loadConfig({ AUTH_SECRET: '𝔘'.repeat(31) }), /got 31$/);
  assert.equal(loadConfig({ AUTH_SECRET: '𝔘'.repeat(32) }).auth?.secret, '𝔘'.repeat(32));
});

test('no error line names a secret, whichever setting is wrong', () => {
  const env = { AUTH_SECRET: SECRET };
  const wrong = [
    { AUTH_TOKEN_TTL: 'forever' },
    { AUTH_SIGNUP: 'maybe' },
    { AUTH_JWKS_URL: 'ftp://keys' },
    { AUTH_ISSUER: 'https://issuer' },
    { RATE_LIMIT: 'lots' },
    { CORS_ORIGINS: 'https://user:hunter2@app.example.com' },
  ];
  for (const setting of wrong) {
    assert.throws(
      () => loadConfig({ ...env, ...setting }),
      (error: Error) =>
        error instanceof ConfigError && !error.message.includes(SECRET) && !error.message.includes('hunter2'),
      JSON.stringify(setting),
    );
  }
});

test('AUTH_JWKS_URL takes an http(s) URL of a key set, and AUTH_ISSUER and AUTH_AUDIENCE check its tokens', () => {
  const auth = loadConfig({
    AUTH_SECRET: SECRET,
    AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
    AUTH_ISSUER: 'https://idp.example.com/',
    AUTH_AUDIENCE: 'parley',
  }).auth;
  assert.equal(auth?.jwksUrl, 'https://idp.example.com/.well-known/jwks.json');
  assert.equal(auth?.issuer, 'https://idp.example.com/');
  assert.equal(auth?.audience, 'parley');
  assert.equal(
    loadConfig({ AUTH_SECRET: SECRET, AUTH_JWKS_URL: 'http://127.0.0.1:8080/keys' }).auth?.jwksUrl,
    'http://127.0.0.1:8080/keys',
  );

  const withSecret = (env: Record<string, string>) => () => loadConfig({ AUTH_SECRET: SECRET, ...env });
  assert.throws(
    withSecret({ AUTH_JWKS_URL: 'keys.json' }),
    /^ConfigError: AUTH_JWKS_URL must be an http:\/\/ or https:\/\/ URL, got something that is not a URL$/,
  );
  assert.throws(withSecret({ AUTH_JWKS_URL: 'file:///etc/keys' }), /AUTH_JWKS_URL must be .* got a file:\/\/ URL/);
  assert.throws(
    withSecret({ AUTH_JWKS_URL: 'https://u:hunter2@idp/keys' }),
    (error: Error) =>
      /AUTH_JWKS_URL must not carry a user name or password/.test(error.message) && !error.message.includes('hunter2'),
  );
  assert.throws(
    withSecret({ AUTH_ISSUER: 'https://idp/' }),
    /AUTH_ISSUER checks the tokens signed by a key of AUTH_JWKS_URL, which is not set/,
  );
  assert.throws(withSecret({ AUTH_AUDIENCE: 'parley' }), /AUTH_AUDIENCE checks the tokens .* which is not set/);
});

test('an identity setting without AUTH_SECRET is refused: it would look like protection and be none', () => {
  for (const name of ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_TOKEN_TTL', 'AUTH_SIGNUP']) {
    assert.throws(
      () => loadConfig({ [name]: 'x' }),
      new ConfigError(`${name} is set but AUTH_SECRET is not: authentication is off without AUTH_SECRET`),
    );
  }
});

test('AUTH_TOKEN_TTL takes seconds or a number of s, m, h or d, up to a year', () => {
  const ttl = (value: string) => loadConfig({ AUTH_SECRET: SECRET, AUTH_TOKEN_TTL: value }).auth?.tokenTtlSeconds;
  assert.equal(ttl('3600'), 3_600);
  assert.equal(ttl('90s'), 90);
  assert.equal(ttl('30m'), 1_800);
  assert.equal(ttl('24h'), 86_400);
  assert.equal(ttl('7d'), 604_800);
  assert.equal(ttl('365d'), 31_536_000);
  for (const wrong of ['0', '-5', '1.5h', '2w', '366d', '24 h', 'h']) {
    assert.throws(
      () => ttl(wrong),
      new RegExp(
        `^ConfigError: AUTH_TOKEN_TTL must be a duration like 3600, 30m, 24h or 7d, at most 365d, got "${wrong}"$`,
      ),
    );
  }
});

test('AUTH_SIGNUP is open or closed', () => {
  assert.equal(loadConfig({ AUTH_SECRET: SECRET, AUTH_SIGNUP: 'open' }).auth?.signup, 'open');
  assert.equal(loadConfig({ AUTH_SECRET: SECRET, AUTH_SIGNUP: 'closed' }).auth?.signup, 'closed');
  assert.throws(
    () => loadConfig({ AUTH_SECRET: SECRET, AUTH_SIGNUP: 'Open' }),
    new ConfigError('AUTH_SIGNUP must be open or closed, got "Open"'),
  );
});

test('RATE_LIMIT is a number of writes per second, minute, hour or day', () => {
  assert.deepEqual(loadConfig({ RATE_LIMIT: '120/min' }).rateLimit, { max: 120, windowSeconds: 60 });
  assert.deepEqual(loadConfig({ RATE_LIMIT: '10/s' }).rateLimit, { max: 10, windowSeconds: 1 });
  assert.deepEqual(loadConfig({ RATE_LIMIT: '1000/h' }).rateLimit, { max: 1000, windowSeconds: 3_600 });
  assert.deepEqual(loadConfig({ RATE_LIMIT: '5000/day' }).rateLimit, { max: 5000, windowSeconds: 86_400 });
  assert.ok(Object.isFrozen(loadConfig({ RATE_LIMIT: '1/m' }).rateLimit));
  for (const wrong of ['120', '0/min', '120/week', '120 / min', '-1/s', '1.5/s', '/min']) {
    assert.throws(
      () => loadConfig({ RATE_LIMIT: wrong }),
      /^ConfigError: RATE_LIMIT must be a number of writes per s, min, h or day, like 120\/min, got /,
    );
  }
});

test('CORS_ORIGINS lists origins, normalised as browsers send them', () => {
  assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://app.example.com' }).corsOrigins, ['https://app.example.com']);
  assert.deepEqual(
    loadConfig({ CORS_ORIGINS: 'https://App.Example.com:443, http://localhost:5173,,https://app.example.com' })
      .corsOrigins,
    ['https://app.example.com', 'http://localhost:5173'],
  );
  assert.throws(
    () => loadConfig({ CORS_ORIGINS: 'https://app.example.com/' }),
    new ConfigError(
      'CORS_ORIGINS entries must be origins, scheme://host[:port] with no path, got "https://app.example.com/" (try "https://app.example.com")',
    ),
  );
  assert.throws(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/chat' }), /with no path/);
  assert.throws(
    () => loadConfig({ CORS_ORIGINS: 'app.example.com' }),
    /CORS_ORIGINS must list http:\/\/ or https:\/\/ origins/,
  );
  assert.throws(() => loadConfig({ CORS_ORIGINS: '*' }), /CORS_ORIGINS must list/);
  assert.throws(
    () => loadConfig({ CORS_ORIGINS: 'https://u:hunter2@app.example.com' }),
    (error: Error) => /with no path/.test(error.message) && !error.message.includes('hunter2'),
  );
});
