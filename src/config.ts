import path from 'node:path';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'mysql'; readonly url: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly logLevel: LogLevel;
  /** Redis for live delivery across processes; absent, each process delivers its own writes (and polls). */
  readonly redisUrl: string | undefined;
}

/** A setting that cannot be used; its message is the one line the process prints before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const DEFAULT_SQLITE_FILE = path.join('data', 'parley.db');

type Env = Readonly<Record<string, string | undefined>>;

/** Reads every setting once, validates it, and returns a frozen config. */
export function loadConfig(env: Env = process.env): Config {
  return Object.freeze({
    port: parsePort(env.PORT),
    host: parseHost(env.HOST),
    database: Object.freeze(parseDatabase(env)),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    redisUrl: parseRedisUrl(env.REDIS_URL),
  });
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 9000;
  const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigError(`PORT must be an integer 1-65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

function parseHost(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '0.0.0.0';
  if (/\s/.test(raw)) throw new ConfigError(`HOST must be a host name or address, got ${JSON.stringify(raw)}`);
  return raw;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return level;
}

function parseDatabase(env: Env): DatabaseConfig {
  const [name, raw] =
    env.DATABASE_URL !== undefined && env.DATABASE_URL !== ''
      ? ['DATABASE_URL', env.DATABASE_URL]
      : ['DATABASE_URI', env.DATABASE_URI];
  if (raw === undefined || raw === '') return { kind: 'sqlite', file: DEFAULT_SQLITE_FILE };

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') return { kind: 'sqlite', file: sqliteFile(name, raw) };
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url: checkedUrl(name, raw) };
  if (scheme === 'mysql' || scheme === 'mysql+pymysql') return { kind: 'mysql', url: checkedUrl(name, raw) };
  throw new ConfigError(
    `${name} must start with sqlite:, postgres://, postgresql://, mysql:// or mysql+pymysql://, got ${JSON.stringify(redact(raw))}`,
  );
}

/** `sqlite:path/to/file.db`, `sqlite:///abs/path.db`, `sqlite::memory:`. */
function sqliteFile(name: string, raw: string): string {
  const rest = raw.slice('sqlite:'.length);
  const file = rest.startsWith('//') ? rest.slice(2) : rest;
  if (file === '')
    throw new ConfigError(`${name} must name a file after sqlite: (or sqlite::memory:), got ${JSON.stringify(raw)}`);
  return file;
}

function checkedUrl(name: string, raw: string): string {
  try {
    const url = new URL(raw);
    if (url.hostname === '') throw new Error('no host');
    return raw;
  } catch {
    throw new ConfigError(
      `${name} must be a URL like scheme://user:password@host:port/database, got ${JSON.stringify(redact(raw))}`,
    );
  }
}

/** Keeps passwords out of error lines. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') {
    // Only the scheme is repeated: the rest of a URL may hold a password.
    const got = url ? `a ${url.protocol}// URL` : 'something that is not a URL';
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got ${got}`);
  }
  return raw;
}
