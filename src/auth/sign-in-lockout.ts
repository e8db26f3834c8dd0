import { createHash } from 'node:crypto';
import type { FailureStore } from './failure-store.js';

export const MAX_SIGN_IN_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

export type SignInGate = { readonly locked: false } | { readonly locked: true; readonly retryAfterSeconds: number };

/**
 * At most 10 failed sign-ins per username in any 15 minutes; past that, `429` with `Retry-After` until
 * the oldest failure is 15 minutes old.
 *
 * Each attempt is counted as a failure *before* its password is checked, and a success then clears the
 * username's count: so a burst of attempts sent at once cannot all be checked before any is counted.
 * A success clears only that username. Usernames without a user are counted alike, so the lockout
 * tells nobody which usernames exist. Stores see a SHA-256 of the username, never the username.
 */
export class SignInLockout {
  constructor(
    private readonly store: FailureStore,
    private readonly limits = { maxFailures: MAX_SIGN_IN_FAILURES, windowMs: SIGN_IN_WINDOW_MS },
  ) {}

  /** Call before checking the password; when locked, check nothing and answer 429 with Retry-After. */
  async begin(username: string): Promise<SignInGate> {
    const attempt = await this.store.take(keyOf(username), this.limits.maxFailures, this.limits.windowMs);
    if (attempt.allowed) return { locked: false };
    return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil(attempt.retryAfterMs / 1000)) };
  }

  /** Call after a right password: the username's failures are forgotten. */
  async succeeded(username: string): Promise<void> {
    await this.store.clear(keyOf(username));
  }
}

const keyOf = (username: string) => createHash('sha256').update(username, 'utf8').digest('hex');
