import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { ID_DESCRIPTION, PATTERN_HINTS } from './schemas/common.js';

type ValidationError = FastifySchemaValidationError & { data?: unknown; parentSchema?: unknown };

/** Turns the validator's findings into one sentence that names the field and what is wrong with it. */
export function describeValidationErrors(errors: readonly ValidationError[], context = 'body'): string {
  // An id fails every alternative of its union; the union's own error says it best.
  const error = errors.find((candidate) => candidate.keyword === 'anyOf') ?? errors[0];
  if (error === undefined) return 'the request body is invalid';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required')
    return `${fieldName(error.instancePath, String(params.missingProperty))} is required`;
  if (context === 'querystring') {
    if (error.keyword === 'additionalProperties')
      return `the query parameter ${params.additionalProperty} is not known`;
    return `the query parameter ${fieldName(error.instancePath)} ${complaint(error, params)}`;
  }
  const field = context === 'headers' ? `the ${headerName(error.instancePath)} header` : fieldName(error.instancePath);
  if (field === 'body') return `body must be a JSON object, got ${kindOf(error.data)}`;
  return `${field} ${complaint(error, params)}`;
}

function complaint(error: ValidationError, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'anyOf':
      return `must be ${ID_DESCRIPTION}, got ${kindOf(error.data)}`;
    case 'type':
      return `must be ${withArticle(String(params.type))}, got ${kindOf(error.data)}`;
    case 'minLength':
      return `must be at least ${params.limit} character${params.limit === 1 ? '' : 's'} long`;
    case 'maxLength':
      return `must be at most ${params.limit} characters long, got ${codePoints(error.data)}`;
    case 'minItems':
      return `must list at least ${params.limit} items`;
    case 'pattern':
      return PATTERN_HINTS.get(String(params.pattern)) ?? `must match ${params.pattern}`;
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = (error.parentSchema ?? {}) as { minimum?: number; maximum?: number };
      const range = maximum === undefined ? `at least ${minimum}` : `from ${minimum ?? '-∞'} to ${maximum}`;
      return `must be ${range}, got ${String(error.data)}; larger pages are refused, not shortened`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}

/** `/users/2` reads as `users[2]`. */
function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  if (parts.length === 0) return 'body';
  return parts.map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** `/idempotency-key` reads as `Idempotency-Key`. */
function headerName(instancePath: string): string {
  return instancePath
    .slice(1)
    .replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'bigint') return 'a number';
  if (typeof value === 'string') return value.length <= 40 ? `a string ${JSON.stringify(value)}` : 'a string';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return withArticle(typeof value);
}

const withArticle = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

const codePoints = (value: unknown) => (typeof value === 'string' ? [...value].length : 'more');
