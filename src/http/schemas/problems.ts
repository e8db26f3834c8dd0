import { type ErrorCode, ParleyError } from '../../model/errors.js';
import { problemOf } from '../problem.js';
import { Problem } from './common.js';

export type ProblemExamples = Partial<Record<ErrorCode, string>>;

/** When each problem is answered, as the OpenAPI document tells it; a code without a sentence shows its title. */
const WHEN: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'the body is not a JSON object, or a field is missing, of the wrong type or out of bounds',
  not_a_member: 'the author is not a member of the chat',
  not_found: 'a user or chat named in the body does not exist',
  method_not_allowed: 'the path takes another method',
  conflict: 'the name is already taken',
  body_too_large: 'the body is larger than 1 MiB',
  unsupported_media_type: 'the body is declared as something other than UTF-8 JSON',
  idempotency_key_reused: 'the Idempotency-Key was first used for a request with another method or body',
  storage_unavailable: 'the database cannot be reached; the server recovers by itself when it returns',
  internal: 'a bug; it has been logged',
};

/** Refusals any of the methods can give, whatever its body says. */
export const TRANSPORT_PROBLEMS: ProblemExamples = {
  body_too_large: 'the request body must be at most 1 MiB (1,048,576 bytes)',
  unsupported_media_type:
    "Content-Type text/plain is not JSON; send JSON: add -H 'Content-Type: application/json' to curl, or use curl --json",
  storage_unavailable: 'the database is not reachable yet; retry shortly',
};

const RETRY_AFTER = {
  'retry-after': { type: 'integer', description: 'Seconds to wait before retrying', examples: [1] },
};

/**
 * The application/problem+json answers of a method, keyed by status, each with an example detail.
 * Fastify serializes a problem with this schema too; it writes the same four fields problem.ts sends.
 */
export function problems(examples: ProblemExamples) {
  const answers: Record<number, object> = {};
  for (const [code, detail] of Object.entries(examples) as Array<[ErrorCode, string]>) {
    const example = problemOf(new ParleyError(code, detail));
    const { status, title } = example;
    answers[status] = {
      description: WHEN[code] === undefined ? title : `${title}: ${WHEN[code]}`,
      ...(code === 'storage_unavailable' && { headers: RETRY_AFTER }),
      content: {
        'application/problem+json': {
          schema: Problem,
          example,
        },
      },
    };
  }
  return answers;
}
