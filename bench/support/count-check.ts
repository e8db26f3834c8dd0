import type { LoadResult } from '../load/http-load.js';

/**
 * What a run wrote, read back from the database, against the 2xx answers counted. Every 2xx must be
 * there; past those, at most `unseen` more: requests in flight when a timed generator stopped, which
 * the server may have committed without their answers being read.
 */
export interface CountCheck {
  expected: number;
  found: number;
  unseen: number;
}

export function countCheck(found: number, ...loads: readonly LoadResult[]): CountCheck {
  const expected = loads.reduce((sum, load) => sum + load.ok, 0);
  const unseen = loads.reduce((sum, load) => sum + load.unseen, 0);
  return { expected, found, unseen };
}

/** No 2xx lost, and nothing written that no request in flight could account for. */
export function checkHolds({ expected, found, unseen }: CountCheck): boolean {
  return found >= expected && found <= expected + unseen;
}

export function describeCheck(check: CountCheck): string {
  const { expected, found, unseen } = check;
  const verdict = checkHolds(check) ? '' : ' (wrong!)';
  if (unseen === 0) return `database holds ${found} of ${expected} 2xx${verdict}`;
  return `database holds ${found} for ${expected} 2xx and ≤ ${unseen} unanswered at the stop${verdict}`;
}
