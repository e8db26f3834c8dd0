import { parseArgs } from 'node:util';
import { signToken, type TokenSubject } from '../auth/token-signer.js';
import { userIdFromSubject } from '../auth/user-id.js';
import { ConfigError, loadConfig, MAX_TOKEN_TTL_SECONDS } from '../config.js';
import { parseDurationSeconds } from '../duration.js';

export const TOKEN_USAGE =
  'usage: npm run token -- --user <id> | --admin [--ttl <duration, e.g. 3600, 30m, 1h, 7d; default 1h>]';
const DEFAULT_TTL_SECONDS = 3_600;

/** What the command prints and how it exits: 0 done, 1 the server's settings cannot sign, 2 wrong arguments. */
export interface CommandOutcome {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `npm run token -- --user 42` prints a token for user 42 signed with AUTH_SECRET, alone on standard
 * output (so that `TOKEN=$(npm run --silent token -- --user 42)` works); when it ends goes to standard
 * error. It does not ask the database whether user 42 exists: the server does, on every request.
 */
export async function tokenCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  now = new Date(),
): Promise<CommandOutcome> {
  const request = parseRequest(args);
  if ('problem' in request) return { exitCode: request.problem === '' ? 0 : 2, ...usage(request.problem) };
  let secret: string | undefined;
  try {
    secret = loadConfig(env).auth?.secret;
  } catch (error) {
    if (error instanceof ConfigError) return failure(1, error.message);
    throw error;
  }
  if (secret === undefined) {
    return failure(1, 'AUTH_SECRET is not set: set it to the secret of the server the token is for');
  }
  const { token, expires_at } = await signToken(request.subject, request.ttlSeconds, secret, now);
  const whom = 'admin' in request.subject ? 'the operator (admin)' : `user ${request.subject.userId}`;
  return { exitCode: 0, stdout: `${token}\n`, stderr: `a token for ${whom}, valid until ${expires_at}\n` };
}

type Request = { subject: TokenSubject; ttlSeconds: number } | { problem: string };

/** An empty problem is a request for help. */
function parseRequest(args: readonly string[]): Request {
  let values: {
    user?: string | undefined;
    admin?: boolean | undefined;
    ttl?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        user: { type: 'string' },
        admin: { type: 'boolean' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { problem: '' };
  if ((values.user === undefined) === (values.admin !== true)) return { problem: 'name either --user <id> or --admin' };
  let subject: TokenSubject = { admin: true };
  if (values.user !== undefined) {
    const userId = userIdFromSubject(values.user);
    if (userId === undefined) return { problem: `--user takes a user id like 42, got ${JSON.stringify(values.user)}` };
    subject = { userId };
  }
  const ttlSeconds = values.ttl === undefined ? DEFAULT_TTL_SECONDS : parseDurationSeconds(values.ttl);
  if (ttlSeconds === undefined || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    return {
      problem: `--ttl takes a duration like 3600, 30m, 1h or 7d, at most 365d, got ${JSON.stringify(values.ttl)}`,
    };
  }
  return { subject, ttlSeconds };
}

function usage(problem: string): Pick<CommandOutcome, 'stdout' | 'stderr'> {
  return problem === ''
    ? { stdout: `${TOKEN_USAGE}\n`, stderr: '' }
    : { stdout: '', stderr: `${problem}\n${TOKEN_USAGE}\n` };
}

const failure = (exitCode: 1 | 2, message: string): CommandOutcome => ({
  exitCode,
  stdout: '',
  stderr: `${message}\n`,
});
