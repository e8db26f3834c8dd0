import type { AuthFailureReason } from './identity.js';

/** What a request carried in place of a token (RFC 6750). */
export type BearerCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'malformed'; readonly detail: string };

/** `Bearer`, any case, then the token: RFC 6750's b64token (the characters of a JWT and a few more). */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads the token of a request: from `Authorization: Bearer <token>`, or, for `/events` alone, from the
 * `access_token` query parameter, since a browser's EventSource cannot send headers. Pass `accessToken`
 * (the parsed query's value) only on `/events`: no other path reads it. Both at once are refused, as
 * RFC 6750 allows one way per request.
 */
export function readBearerCredential(
  authorization: string | readonly string[] | undefined,
  accessToken?: unknown,
): BearerCredential {
  const fromHeader = authorization === undefined ? undefined : headerToken(authorization);
  const fromQuery = accessToken === undefined ? undefined : queryToken(accessToken);
  if (fromHeader !== undefined && fromQuery !== undefined) {
    return malformed('send the token either in the Authorization header or as access_token, not both');
  }
  return fromHeader ?? fromQuery ?? { kind: 'none' };
}

function headerToken(authorization: string | readonly string[]): BearerCredential {
  if (typeof authorization !== 'string') return malformed('send one Authorization header, not several');
  const token = BEARER.exec(authorization.trim())?.[1];
  if (token === undefined) return malformed('the Authorization header must be "Bearer <token>"');
  return { kind: 'token', token };
}

function queryToken(accessToken: unknown): BearerCredential {
  if (typeof accessToken !== 'string') return malformed('send access_token once');
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(accessToken)) return malformed('access_token must be a bearer token');
  return { kind: 'token', token: accessToken };
}

const malformed = (detail: string): BearerCredential => ({ kind: 'malformed', detail });

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750 §3): a bare challenge when no token was sent, which
 * tells the client only that one is needed; `invalid_token` when one was sent and refused, which tells
 * it to get another rather than to retry this one.
 */
export function wwwAuthenticate(reason: AuthFailureReason): string {
  return reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"';
}

/**
 * A request URL fit for a log line: an `access_token` query parameter's value is replaced, since a
 * token in a log is a token anyone reading logs can use. The request log must pass `/events` URLs
 * through this.
 */
export function withoutAccessToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]');
}
