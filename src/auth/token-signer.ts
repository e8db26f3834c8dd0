import { SignJWT } from 'jose';
import { userIdFromSubject } from './user-id.js';

/** Whom a token acts for: one user, or the operator. */
export type TokenSubject = { readonly userId: string } | { readonly admin: true };

/** A token as `/tokens/add` answers it: the compact JWT and when it ends (ISO 8601 UTC with milliseconds). */
export interface SignedToken {
  readonly token: string;
  readonly expires_at: string;
}

/**
 * Signs a token with AUTH_SECRET (HS256) that the verifier accepts for `ttlSeconds`: `sub` for a user,
 * `"admin": true` for the operator, with `iat` and `exp`. Throws on a subject or lifetime the verifier
 * would refuse, since that is a mistake of the calling code, not of a client.
 *
 * ```ts
 * const { token, expires_at } = await signToken({ userId: '42' }, config.auth.tokenTtlSeconds, config.auth.secret);
 * ```
 */
export async function signToken(
  subject: TokenSubject,
  ttlSeconds: number,
  secret: string,
  now: Date = new Date(),
): Promise<SignedToken> {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)
    throw new RangeError('a token lifetime is whole seconds, at least 1');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const jwt = new SignJWT('admin' in subject ? { admin: true } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt);
  if ('userId' in subject) {
    const userId = userIdFromSubject(subject.userId);
    if (userId === undefined) throw new RangeError('a user id is a string of digits without leading zeros');
    jwt.setSubject(userId);
  }
  const token = await jwt.sign(new TextEncoder().encode(secret));
  return { token, expires_at: new Date(expiresAt * 1000).toISOString() };
}
