import { createHash } from 'node:crypto';

/**
 * What a retried request must repeat to be the same request: the method and its inputs in canonical
 * form (ids without leading zeros, members deduplicated), so that `"7"` and `7` are the same.
 */
export function fingerprint(method: string, ...inputs: readonly (string | readonly string[])[]): string {
  return createHash('sha256')
    .update(JSON.stringify([method, ...inputs]))
    .digest('hex');
}
