/**
 * Every failure a client can be told about, by a stable code. What a code means on the wire (its HTTP
 * status and title) is the transport's to say: see http/problem.ts.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'not_a_member'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'headers_too_large'
  | 'storage_unavailable'
  | 'internal';

/** The one error type of Parley: a stable code, and a detail a client developer can act on. */
export class ParleyError extends Error {
  override name = 'ParleyError';

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const invalid = (detail: string) => new ParleyError('invalid_request', detail);
export const notFound = (detail: string) => new ParleyError('not_found', detail);
export const conflict = (detail: string) => new ParleyError('conflict', detail);
export const unavailable = (detail: string) => new ParleyError('storage_unavailable', detail);
