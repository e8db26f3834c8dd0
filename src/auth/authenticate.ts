import type { BearerCredential } from './bearer-credentials.js';
import { type AuthResult, refuse } from './identity.js';
import type { TokenVerifier } from './token-verifier.js';

/** Asks the storage whether a user id names a user; its errors (a database away) are the caller's. */
export type UserExists = (userId: string) => Promise<boolean>;

/**
 * From what a request carried to who it acts for: a token, verified, whose user exists. One call per
 * request that needs a token.
 *
 * ```ts
 * const result = await authenticate(readBearerCredential(request.headers.authorization), verifier,
 *   (id) => storage.userExists(id));
 * if (!result.ok) reply.header('www-authenticate', wwwAuthenticate(result.reason)); // and 401 or 503
 * ```
 */
export async function authenticate(
  credential: BearerCredential,
  verifier: TokenVerifier,
  userExists: UserExists,
): Promise<AuthResult> {
  if (credential.kind === 'none') return refuse('missing', 'this method needs Authorization: Bearer <token>');
  if (credential.kind === 'malformed') return refuse('malformed', credential.detail);
  return requireKnownUser(await verifier.verify(credential.token), userExists);
}

/**
 * A good token whose `sub` names no user (one since removed, or of another deployment sharing the
 * secret) acts for nobody. An admin token names no user and is not looked up.
 */
export async function requireKnownUser(result: AuthResult, userExists: UserExists): Promise<AuthResult> {
  if (!result.ok || result.identity.kind === 'admin') return result;
  if (await userExists(result.identity.userId)) return result;
  return refuse('unknown_user', `the token's user ${result.identity.userId} does not exist`);
}
