import type { Id, User } from '../model/entities.js';
import { canonicalId } from './ids.js';

/** How many users a prefix finds when the client names no limit. */
export const DEFAULT_PREFIX_LIMIT = 20;

/**
 * The ids a lookup asks for, each once, in its canonical form, in the order first asked. `7`, `"7"` and
 * `"007"` are one id; an id no user can have (zero, beyond 64 bits) cannot be found, so it is not asked.
 */
export function askedIds(ids: readonly (string | number)[]): Id[] {
  const asked = new Set<Id>();
  for (const id of ids) {
    const canonical = canonicalId(id);
    if (canonical !== undefined) asked.add(canonical);
  }
  return [...asked];
}

/**
 * The answer to a lookup by ids or usernames: the users found in the order they were asked, a repeated
 * one once, the ones not found left out. Backends report what they found in whatever order their
 * indexes give it.
 */
export function inOrderAsked(asked: readonly string[], found: readonly User[], keyOf: (user: User) => string): User[] {
  const byKey = new Map(found.map((user) => [keyOf(user), user]));
  const answer: User[] = [];
  for (const key of new Set(asked)) {
    const user = byKey.get(key);
    if (user !== undefined) answer.push(user);
  }
  return answer;
}
