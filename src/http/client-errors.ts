import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ParleyError } from '../model/errors.js';
import { problemOf } from './problem.js';

/** What Node's HTTP parser reports, as a problem the client can act on. */
function problemFor(code: string | undefined): ParleyError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ParleyError('request_timeout', 'the request did not arrive in time; send it whole, without pauses');
    case 'HPE_HEADER_OVERFLOW':
      return new ParleyError('headers_too_large', 'the request headers are larger than 16 KiB');
    default:
      return new ParleyError('invalid_request', `the request is not well-formed HTTP/1.1 (${code ?? 'unknown error'})`);
  }
}

/**
 * Answers bytes that Node's HTTP parser refused (malformed, too slow, headers too large) with a problem,
 * then closes the connection. While a request the connection sent whole is still being answered, that
 * answer is let out first and the broken bytes get none: an error written now would read as the answer
 * to that request, which may well have been carried out (a valid request pipelined before a broken one).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (socket.destroyed) return;
  const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  const answering = response != null && (response.headersSent || response.req.complete);
  if (answering && !response.writableFinished) {
    response.once('close', () => socket.destroy());
    return;
  }
  if (socket.writable && !answering) {
    const problem = problemOf(problemFor(error.code));
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
