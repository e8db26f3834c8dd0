import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { ID_DESCRIPTION, PATTERN_HINTS } from './schemas/common.js';

type ValidationError = FastifySchemaValidationError & { data?: unknown; parentSchema?: unknown };

/** Turns the validator's findings into one sentence that names the field and what is wrong with it. */
export function describeValidationErrors(errors: readonly ValidationError[], context = 'body'): string {
  const choice = errors.find(isChoiceOfShapes);
  if (choice !== undefined) return describeChoice(choice, errors, context);
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
      return `must list at least ${params.limit} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must list at most ${params.limit} items, got ${Array.isArray(error.data) ? error.data.length : 'more'}`;
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

/** An object schema of a union, told apart from the others by the fields it requires. */
interface Shape {
  type?: unknown;
  required?: string[];
  properties?: Record<string, unknown>;
}

/** The error of a union of object shapes (a body that takes one of several sets of fields). */
function isChoiceOfShapes(error: ValidationError): boolean {
  if (error.keyword !== 'anyOf') return false;
  const shapes = (error.parentSchema as { anyOf?: Shape[] } | undefined)?.anyOf;
  return shapes?.every((shape) => shape.type === 'object' && (shape.required?.length ?? 0) > 0) ?? false;
}

/**
 * Each shape fails its own way; the one the client meant is the one whose required fields it sent, and
 * its error is the one to tell. Sending none, or the fields of two, is told as such: each alternative
 * failing would say nothing a client can act on.
 */
function describeChoice(choice: ValidationError, errors: readonly ValidationError[], context: string): string {
  const field = fieldName(choice.instancePath);
  const data = choice.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return `${field} must be ${field === 'body' ? 'a JSON object' : 'an object'}, got ${kindOf(data)}`;
  }
  const shapes = (choice.parentSchema as { anyOf: Shape[] }).anyOf;
  const names = shapes.map((shape) => (shape.required ?? []).join(' and '));
  const sent = shapes.flatMap((shape, index) =>
    (shape.required ?? []).every((name) => Object.hasOwn(data, name)) ? [index] : [],
  );
  if (sent.length === 0) return `${field} must have exactly one of ${alternatives(names)}`;
  if (sent.length > 1) {
    return `${field} must have only one of ${alternatives(names)}, got ${sent.map((index) => names[index]).join(' and ')}`;
  }
  const own = errors.filter((error) => error.schemaPath.startsWith(`${choice.schemaPath}/${sent[0]}/`));
  const extra = own[0]?.keyword === 'additionalProperties' ? String(own[0].params.additionalProperty) : undefined;
  if (extra === undefined) return describeValidationErrors(own, context);
  const owner = shapes.findIndex((shape) => shape.properties !== undefined && Object.hasOwn(shape.properties, extra));
  const chosen = names[sent[0] as number];
  if (owner >= 0) return `${fieldName(choice.instancePath, extra)} goes with ${names[owner]} only, not with ${chosen}`;
  return `${field} does not take a field ${JSON.stringify(extra)} beside ${chosen}`;
}

/** `ids, usernames or prefix`. */
const alternatives = (names: readonly string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

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
