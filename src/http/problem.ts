import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import { describeValidationErrors } from './validation-detail.js';

/** Seconds a client should wait before retrying while the database is away. */
const RETRY_AFTER_SECONDS = 1;

/** Sends an error as RFC 9457 application/problem+json. */
export function sendProblem(reply: FastifyReply, error: ParleyError): FastifyReply {
  if (error.code === 'storage_unavailable') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send({ type: `urn:parley:problem:${error.code}`, title: error.title, status: error.status, detail: error.detail });
}

/** Maps anything thrown while serving a request to a problem; only a bug becomes a 500, and it is logged. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(error);
  if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
  return sendProblem(reply, problem);
}

function toProblem(error: FastifyError): ParleyError {
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
