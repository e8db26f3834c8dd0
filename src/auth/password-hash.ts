// The module object, not its named export: calls go through `crypto.scrypt` at call time, so the tests
// can count how many keys each path derives.
import crypto from 'node:crypto';

/**
 * scrypt's cost: N = 2^ln, block size r, parallelism p. N = 2^14 with r = 8 uses 16 MiB and takes
 * 50-85 ms per hash (median 72 ms) on the shared two-core machine Parley is developed on: slow enough
 * to make guessing expensive, fast enough for a sign-in. Each stored hash names its own parameters, so
 * raising them later only needs `needsRehash` at the next sign-in.
 */
export const SCRYPT_PARAMETERS: Readonly<ScryptParameters> = Object.freeze({ ln: 14, r: 8, p: 1 });

export interface ScryptParameters {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A stored hash is ours, but is still read with bounds: no value in it can ask for more than 256 MiB. */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const FORMAT = /^scrypt\$ln=([0-9]{1,2}),r=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

/**
 * A salted scrypt hash of a password, with its parameters, in one self-describing string:
 * `scrypt$ln=14,r=8,p=1$<salt, base64>$<hash, base64>`. The work runs on libuv's thread pool, off the
 * event loop. The password is normalised (NFC) first, so that one typed on another keyboard or system
 * still matches.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMETERS, KEY_BYTES);
  return format(SCRYPT_PARAMETERS, salt, key);
}

/** Whether a password matches a stored hash, compared in constant time. A stored value not in our form is a bug, thrown. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { parameters, salt, key } = parse(stored);
  const candidate = await derive(password, salt, parameters, key.length);
  return crypto.timingSafeEqual(candidate, key);
}

/**
 * For a username that has no user (or a user without a password): the same work as `verifyPassword`,
 * against a hash no password has, so that a wrong username and a wrong password take about as long.
 * Always false.
 */
export async function verifyWithoutUser(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/** Whether a stored hash was made with other parameters than today's; rehash it after a good sign-in. */
export function needsRehash(stored: string): boolean {
  const { parameters } = parse(stored);
  return (['ln', 'r', 'p'] as const).some((name) => parameters[name] !== SCRYPT_PARAMETERS[name]);
}

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParameters, length: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) => {
    // scrypt needs about 128 * N * r bytes; twice that leaves room for its own bookkeeping.
    crypto.scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem: 2 * 128 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const base64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

function format({ ln, r, p }: ScryptParameters, salt: Buffer, key: Buffer): string {
  return `scrypt$ln=${ln},r=${r},p=${p}$${base64(salt)}$${base64(key)}`;
}

function parse(stored: string): { parameters: ScryptParameters; salt: Buffer; key: Buffer } {
  const match = FORMAT.exec(stored);
  const [ln, r, p] = [match?.[1], match?.[2], match?.[3]].map(Number) as [number, number, number];
  if (match === null || ln < 1 || r < 1 || p < 1 || 128 * 2 ** ln * r > MAX_MEMORY_BYTES || p > 16) {
    // The stored value itself is not repeated: it is a secret too.
    throw new Error('a stored password hash is not of the form scrypt$ln=..,r=..,p=..$<salt>$<hash>');
  }
  return {
    parameters: { ln, r, p },
    salt: Buffer.from(match[4] ?? '', 'base64'),
    key: Buffer.from(match[5] ?? '', 'base64'),
  };
}

/** No password derives an all-zero key; the salt and parameters are those of a real hash, so the work is too. */
const DUMMY_HASH = format(SCRYPT_PARAMETERS, Buffer.alloc(SALT_BYTES, 0x5a), Buffer.alloc(KEY_BYTES));
