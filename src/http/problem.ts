import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, ParleyError } from '../model/errors.js';
import { describeValidationErrors } from './validation-detail.js';

/** What each error code is on the wire: the one place that maps Parley's errors to HTTP. */
const STATUS: Record<ErrorCode, { status: number; title: string }> = {
  invalid_request: { status: 400, title: 'Invalid request' },
  not_a_member: { status: 403, title: 'Not a member of the chat' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Already exists' },
  body_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key already used for another request' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  storage_unavailable: { status: 503, title: 'Storage unavailable' },
  internal: { status: 500, title: 'Internal error' },
};

/** An RFC 9457 problem, as every refusal is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export const statusOf = (code: ErrorCode): number => STATUS[code].status;

export function problemOf(error: ParleyError): Problem {
  const { status, title } = STATUS[error.code];
  return { type: `urn:parley:problem:${error.code}`, title, status, detail: error.detail };
}

/** Seconds a client should wait before retrying while the database is away. */
const RETRY_AFTER_SECONDS = 1;

/** Sends an error as RFC 9457 application/problem+json. */
export function sendProblem(reply: FastifyReply, error: ParleyError): FastifyReply {
  const problem = problemOf(error);
  if (error.code === 'storage_unavailable') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** Maps anything thrown while serving a request to a problem; only a bug becomes a 500, and it is logged. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toParleyError(error);
  if (statusOf(problem.code) >= 500) request.log.error({ err: error }, problem.detail);
  return sendProblem(reply, problem);
}

function toParleyError(error: FastifyError): ParleyError {
  if (error instanceof ParleyError) return error;
  if (error.validation)
    return new ParleyError('invalid_request', describeValidationErrors(error.validation, error.validationContext));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ParleyError('body_too_large', 'the request body must be at most 1 MiB (1,048,576 bytes)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ParleyError('unsupported_media_type', 'the Content-Type header is malformed; send application/json');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ParleyError('invalid_request', error.message);
  return new ParleyError('internal', 'the server failed to answer this request; it has been logged');
}
