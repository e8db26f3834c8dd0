/** Body fields that hold ids, alone or in an array. */
const ID_FIELDS: readonly string[] = ['user', 'chat', 'author', 'users', 'before', 'after', 'message', 'ids'];

/**
 * An id sent as a JSON integer beyond 2^53 arrives as a BigInt (see json-body, the only place one can come
 * from); it becomes its exact digits here. A BigInt anywhere else stays, and fails validation as the wrong
 * type. Returns the body it was given.
 */
export function exactIds(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    const value = fields[field];
    if (typeof value === 'bigint') fields[field] = value.toString();
    else if (Array.isArray(value))
      fields[field] = value.map((item) => (typeof item === 'bigint' ? item.toString() : item));
  }
  return body;
}
