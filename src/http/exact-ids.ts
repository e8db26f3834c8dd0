import type { FastifyRequest } from 'fastify';

/** Body fields that hold ids, alone or in an array. */
const ID_FIELDS: ReadonlySet<string> = new Set(['user', 'chat', 'author', 'users', 'before', 'after']);

/**
 * An id sent as a JSON integer beyond 2^53 arrives as a BigInt (see json-body); it becomes its exact
 * digits here. A BigInt anywhere else stays, and fails validation as the wrong type.
 */
export async function exactIds(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    const value = fields[field];
    if (typeof value === 'bigint') fields[field] = value.toString();
    else if (Array.isArray(value))
      fields[field] = value.map((item) => (typeof item === 'bigint' ? item.toString() : item));
  }
}
