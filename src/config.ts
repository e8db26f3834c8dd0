import path from 'node:path';
import { parseDurationSeconds } from './duration.js';

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
  /** Identity and access; absent (no AUTH_SECRET), every method is open to any caller, as specified. */
  readonly auth: AuthConfig | undefined;
  /** The writes each user (or client address) may make per window; absent, writes are not limited. */
  readonly rateLimit: RateLimitConfig | undefined;
  /** Origins whose web pages may call the API from a browser (normalised: lower case, no default port). */
  readonly corsOrigins: readonly string[];
}

export type SignupPolicy = 'open' | 'closed';

export interface AuthConfig {
  /**
   * The HS256 key of Parley's own tokens. Not enumerable: a config that reaches a log line or JSON by
   * mistake does not carry it.
   */
  readonly secret: string;
  /** A JSON Web Key Set whose keys may also sign tokens (RS256, ES256, EdDSA). */
  readonly jwksUrl: string | undefined;
  /** The `iss` that tokens signed by a key of `jwksUrl` must carry. */
  readonly issuer: string | undefined;
  /** The `aud` that tokens signed by a key of `jwksUrl` must carry. */
  readonly audience: string | undefined;
  /** Lifetime of the tokens that signing in (`/tokens/add`) issues. */
  readonly tokenTtlSeconds: number;
  /** `open`: anyone may add a user (with a password); `closed`: adding users needs an admin token. */
  readonly signup: SignupPolicy;
}

/** At most `max` writes in any window of `windowSeconds`. */
export interface RateLimitConfig {
  readonly max: number;
  readonly windowSeconds: number;
}

/** A setting that cannot be used; its message is the one line the process prints before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const DEFAULT_SQLITE_FILE = path.join('data', 'parley.db');

/** An HS256 key shorter than its 256-bit output is the weak link of every token. */
export const MIN_AUTH_SECRET_LENGTH = 32;
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3_600;
/** Tokens cannot be revoked one by one, so none may live longer than this. */
export const MAX_TOKEN_TTL_SECONDS = 365 * 86_400;
/** The settings that only mean something with AUTH_SECRET. */
const AUTH_SETTINGS = ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_TOKEN_TTL', 'AUTH_SIGNUP'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads every setting once, validates it, and returns a frozen config. */
export function loadConfig(env: Env = process.env): Config {
  return Object.freeze({
    port: parsePort(env.PORT),
    host: parseHost(env.HOST),
    database: Object.freeze(parseDatabase(env)),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    redisUrl: parseRedisUrl(env.REDIS_URL),
    auth: parseAuth(env),
    rateLimit: parseRateLimit(env.RATE_LIMIT),
    corsOrigins: Object.freeze(parseCorsOrigins(env.CORS_ORIGINS)),
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

const given = (raw: string | undefined): raw is string => raw !== undefined && raw !== '';

function parseAuth(env: Env): AuthConfig | undefined {
  if (!given(env.AUTH_SECRET)) {
    // A provider's key set or a sign-up policy without AUTH_SECRET would look like protection and be none.
    const stray = AUTH_SETTINGS.find((name) => given(env[name]));
    if (stray !== undefined) {
      throw new ConfigError(`${stray} is set but AUTH_SECRET is not: authentication is off without AUTH_SECRET`);
    }
    return undefined;
  }
  const jwksUrl = parseJwksUrl(env.AUTH_JWKS_URL);
  const auth = {
    jwksUrl,
    issuer: parseTokenCheck('AUTH_ISSUER', env.AUTH_ISSUER, jwksUrl),
    audience: parseTokenCheck('AUTH_AUDIENCE', env.AUTH_AUDIENCE, jwksUrl),
    tokenTtlSeconds: parseTokenTtl(env.AUTH_TOKEN_TTL),
    signup: parseSignup(env.AUTH_SIGNUP),
  };
  Object.defineProperty(auth, 'secret', { value: parseAuthSecret(env.AUTH_SECRET), enumerable: false });
  return Object.freeze(auth as AuthConfig);
}

/** The refusal says how long the secret is, never what it is. */
function parseAuthSecret(raw: string): string {
  const length = [...raw].length;
  if (length < MIN_AUTH_SECRET_LENGTH) {
    throw new ConfigError(
      `AUTH_SECRET must be at least ${MIN_AUTH_SECRET_LENGTH} characters long (for example the output of \`openssl rand -base64 32\`), got ${length}`,
    );
  }
  return raw;
}

function parseJwksUrl(raw: string | undefined): string | undefined {
  if (!given(raw)) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if ((url?.protocol !== 'http:' && url?.protocol !== 'https:') || url.hostname === '') {
    // As for REDIS_URL, only the scheme is repeated.
    const got = url ? `a ${url.protocol}// URL` : 'something that is not a URL';
    throw new ConfigError(`AUTH_JWKS_URL must be an http:// or https:// URL, got ${got}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('AUTH_JWKS_URL must not carry a user name or password (a key set is public)');
  }
  return raw;
}

/** AUTH_ISSUER and AUTH_AUDIENCE check the tokens of AUTH_JWKS_URL; Parley's own tokens carry neither. */
function parseTokenCheck(name: string, raw: string | undefined, jwksUrl: string | undefined): string | undefined {
  if (!given(raw)) return undefined;
  if (jwksUrl === undefined) {
    throw new ConfigError(`${name} checks the tokens signed by a key of AUTH_JWKS_URL, which is not set`);
  }
  return raw;
}

function parseTokenTtl(raw: string | undefined): number {
  if (!given(raw)) return DEFAULT_TOKEN_TTL_SECONDS;
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined || seconds > MAX_TOKEN_TTL_SECONDS) {
    throw new ConfigError(
      `AUTH_TOKEN_TTL must be a duration like 3600, 30m, 24h or 7d, at most 365d, got ${JSON.stringify(raw)}`,
    );
  }
  return seconds;
}

function parseSignup(raw: string | undefined): SignupPolicy {
  if (!given(raw)) return 'closed';
  if (raw !== 'open' && raw !== 'closed') {
    throw new ConfigError(`AUTH_SIGNUP must be open or closed, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** The ways a rate's window may be written after the slash, in seconds. */
const WINDOW_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3_600,
  hour: 3_600,
  d: 86_400,
  day: 86_400,
};

function parseRateLimit(raw: string | undefined): RateLimitConfig | undefined {
  if (!given(raw)) return undefined;
  const match = /^([0-9]{1,7})\/([a-z]+)$/.exec(raw);
  const max = Number(match?.[1]);
  const windowSeconds = WINDOW_SECONDS[match?.[2] ?? ''];
  if (!(max >= 1) || windowSeconds === undefined) {
    throw new ConfigError(
      `RATE_LIMIT must be a number of writes per s, min, h or day, like 120/min, got ${JSON.stringify(raw)}`,
    );
  }
  return Object.freeze({ max, windowSeconds });
}

/** A browser sends `Origin: scheme://host[:port]` and compares it exactly, so each entry must be one. */
function parseCorsOrigins(raw: string | undefined): string[] {
  if (!given(raw)) return [];
  const origins = new Set<string>();
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    origins.add(corsOrigin(entry));
  }
  return [...origins];
}

function corsOrigin(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  const shown = JSON.stringify(redact(entry));
  if ((url?.protocol !== 'http:' && url?.protocol !== 'https:') || url.hostname === '') {
    throw new ConfigError(
      `CORS_ORIGINS must list http:// or https:// origins like https://app.example.com, got ${shown}`,
    );
  }
  // `new URL` adds the path "/" itself; an origin has no path, query, fragment or credentials at all.
  const bare = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]+$/i.test(entry);
  if (!bare) {
    throw new ConfigError(
      `CORS_ORIGINS entries must be origins, scheme://host[:port] with no path, got ${shown} (try ${JSON.stringify(url.origin)})`,
    );
  }
  return url.origin;
}
