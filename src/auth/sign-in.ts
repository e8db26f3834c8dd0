import { verifyPassword, verifyWithoutUser } from './password-hash.js';
import type { SignInLockout } from './sign-in-lockout.js';
import type { SignedToken } from './token-signer.js';

/** What sign-in needs to know of a user; `passwordHash` is null for a user added without a password. */
export interface SignInAccount {
  readonly id: string;
  readonly passwordHash: string | null;
}

export interface SignInDependencies {
  /** The user with exactly this username (usernames are case-sensitive), from the storage. */
  findAccount(username: string): Promise<SignInAccount | undefined>;
  lockout: SignInLockout;
  /** Signs the user's token: `(id) => signToken({ userId: id }, auth.tokenTtlSeconds, auth.secret)`. */
  issueToken(userId: string): Promise<SignedToken>;
}

/**
 * The answer of `POST /tokens/add`: `201 {token, user, expires_at}`; `wrong_credentials` is a 401 and
 * `locked` a 429 with `Retry-After: retryAfterSeconds`.
 */
export type SignInResult =
  | { readonly ok: true; readonly token: string; readonly user: string; readonly expires_at: string }
  | { readonly ok: false; readonly why: 'wrong_credentials'; readonly detail: string }
  | { readonly ok: false; readonly why: 'locked'; readonly retryAfterSeconds: number; readonly detail: string };

/**
 * Signs a user in by username and password. A wrong username, a user without a password and a wrong
 * password get the same answer after the same scrypt work; a locked username gets 429 before any work.
 */
export async function signIn(username: string, password: string, deps: SignInDependencies): Promise<SignInResult> {
  const gate = await deps.lockout.begin(username);
  if (gate.locked) {
    const detail = `too many failed sign-ins for this username; try again in ${gate.retryAfterSeconds} seconds`;
    return { ok: false, why: 'locked', retryAfterSeconds: gate.retryAfterSeconds, detail };
  }
  const account = await deps.findAccount(username);
  const right =
    account?.passwordHash == null
      ? await verifyWithoutUser(password)
      : await verifyPassword(password, account.passwordHash);
  if (!right || account === undefined) {
    return { ok: false, why: 'wrong_credentials', detail: 'the username or the password is wrong' };
  }
  await deps.lockout.succeeded(username);
  const { token, expires_at } = await deps.issueToken(account.id);
  return { ok: true, token, user: account.id, expires_at };
}
