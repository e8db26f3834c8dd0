import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { tokenCommand } from '../../src/cli/token-command.js';
import { ensureBuilt } from '../support/process.js';
import { SECRET } from './tokens.js';

const env = { AUTH_SECRET: SECRET };
const verifier = createTokenVerifier({ secret: SECRET });

test('--user prints a one-hour token for that user, alone on standard output', async () => {
  const outcome = await tokenCommand(['--user', '42'], env);
  assert.equal(outcome.exitCode, 0);
  assert.match(outcome.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const token = outcome.stdout.trim();
  assert.deepEqual(await verifier.verify(token), { ok: true, identity: { kind: 'user', userId: '42' } });
  const { iat = 0, exp = 0 } = decodeJwt(token);
  assert.equal(exp - iat, 3_600);
  assert.match(outcome.stderr, /^a token for user 42, valid until \d{4}-.*Z\n$/);
  assert.ok(!outcome.stderr.includes(token));
});

test('--admin prints an operator token, and --ttl sets its lifetime', async () => {
  const outcome = await tokenCommand(['--admin', '--ttl', '30m'], env);
  assert.equal(outcome.exitCode, 0);
  const token = outcome.stdout.trim();
  assert.deepEqual(await verifier.verify(token), { ok: true, identity: { kind: 'admin' } });
  const { iat = 0, exp = 0 } = decodeJwt(token);
  assert.equal(exp - iat, 1_800);
  assert.equal((await tokenCommand(['--user=7', '--ttl=7d'], env)).exitCode, 0);
});

test('wrong arguments exit 2 with the usage, and print no token', async () => {
  const wrong = [
    [],
    ['--user'],
    ['--user', '1', '--admin'],
    ['--user', 'ann'],
    ['--user', '007'],
    ['--admin', '--ttl', 'forever'],
    ['--admin', '--ttl', '400d'],
    ['--admin', 'extra'],
    ['--root'],
  ];
  for (const args of wrong) {
    const outcome = await tokenCommand(args, env);
    assert.equal(outcome.exitCode, 2, args.join(' '));
    assert.equal(outcome.stdout, '');
    assert.match(outcome.stderr, /usage: npm run token -- --user <id> \| --admin/);
  }
  const help = await tokenCommand(['--help'], env);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /^usage:/);
});

test('without a usable AUTH_SECRET it exits 1 and says why, never repeating a secret', async () => {
  const unset = await tokenCommand(['--admin'], {});
  assert.deepEqual(unset, {
    exitCode: 1,
    stdout: '',
    stderr: 'AUTH_SECRET is not set: set it to the secret of the server the token is for\n',
  });
  const short = await tokenCommand(['--admin'], { AUTH_SECRET: 'too-short-a-secret' });
  assert.equal(short.exitCode, 1);
  assert.match(short.stderr, /^AUTH_SECRET must be at least 32 characters long/);
  assert.ok(!short.stderr.includes('too-short-a-secret'));
});

test('npm run token works from the built package, as after npm install', async () => {
  await ensureBuilt();
  const run = promisify(execFile);
  const { stdout } = await run('npm', ['run', '--silent', 'token', '--', '--user', '5'], {
    env: { ...process.env, ...env },
  });
  assert.deepEqual(await verifier.verify(stdout.trim()), { ok: true, identity: { kind: 'user', userId: '5' } });
  await assert.rejects(
    run('npm', ['run', '--silent', 'token', '--', '--admin'], { env: { ...process.env, AUTH_SECRET: '' } }),
    (error: { code?: number; stderr?: string }) =>
      error.code === 1 && /AUTH_SECRET is not set/.test(error.stderr ?? ''),
  );
});
