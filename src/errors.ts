/** Every failure a client can be told about, with the HTTP status it maps to. */
const STATUS_BY_CODE = {
  invalid_request: 400,
  not_a_member: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  headers_too_large: 431,
  storage_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

const TITLE_BY_CODE: Record<ErrorCode, string> = {
  invalid_request: 'Invalid request',
  not_a_member: 'Not a member of the chat',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  request_timeout: 'Request timeout',
  conflict: 'Already exists',
  body_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  idempotency_key_reused: 'Idempotency-Key already used for another request',
  headers_too_large: 'Request headers too large',
  storage_unavailable: 'Storage unavailable',
  internal: 'Internal error',
};

/** The one error type of Parley: a stable code, its status and title, and a detail a client developer can act on. */
export class ParleyError extends Error {
  override name = 'ParleyError';
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(detail);
    this.status = STATUS_BY_CODE[code];
    this.title = TITLE_BY_CODE[code];
  }
}

export const invalid = (detail: string) => new ParleyError('invalid_request', detail);
export const notFound = (detail: string) => new ParleyError('not_found', detail);
export const conflict = (detail: string) => new ParleyError('conflict', detail);
