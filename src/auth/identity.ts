/**
 * Who a request acts for, once its token has been verified and its user found: a user, or the operator
 * (a token with `"admin": true`), who may do anything for anyone and has no user of its own.
 */
export type Identity = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'admin' };

/**
 * Why a request was not authenticated. Every reason but `keys_unavailable` is a 401: `missing` with
 * `WWW-Authenticate: Bearer`, the others with `Bearer error="invalid_token"` (see bearer-credentials.ts).
 * - `missing`: no token was sent.
 * - `malformed`: the Authorization header or `access_token` is not a bearer token, or the token is not a JWT.
 * - `invalid`: a JWT this server does not accept: signature, algorithm, issuer, audience or claims.
 * - `expired`: it was good until its `exp`.
 * - `unknown_user`: a good token whose `sub` is no user of this server.
 * - `keys_unavailable`: the identity provider's key set could not be fetched, so a token it signed
 *   cannot be judged either way; a 503 with Retry-After, since the token may well be good.
 */
export type AuthFailureReason = 'missing' | 'malformed' | 'invalid' | 'expired' | 'unknown_user' | 'keys_unavailable';

/**
 * A refusal, with a detail that says what to fix in words a client developer can act on. A detail
 * never contains the token or any part of it.
 */
export interface AuthFailure {
  readonly ok: false;
  readonly reason: AuthFailureReason;
  readonly detail: string;
}

export type AuthResult = { readonly ok: true; readonly identity: Identity } | AuthFailure;

export const refuse = (reason: AuthFailureReason, detail: string): AuthFailure => ({ ok: false, reason, detail });

/** The user an identity acts as, if it has one of its own (an admin does not). */
export const userOf = (identity: Identity): string | undefined =>
  identity.kind === 'user' ? identity.userId : undefined;
