import assert from 'node:assert/strict';
import { test } from 'node:test';
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
