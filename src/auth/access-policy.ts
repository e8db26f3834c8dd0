import type { SignupPolicy } from '../config.js';
import type { Identity } from './identity.js';
import { namesUser } from './user-id.js';

/**
 * What a token may do, as SPEC's table has it, decided from facts the caller gathered: pure functions,
 * no storage, no HTTP. An admin token may do everything for anyone; a user token acts for its own user.
 *
 * Ids are taken as the request carries them (digit strings with any leading zeros, or JSON integers)
 * and compared in canonical form. A refusal names what is wrong in words a client developer can act on;
 * `why` maps to a status: `unauthenticated` 401 (with `WWW-Authenticate: Bearer`), `forbidden` 403,
 * `invalid` 400.
 */
export type Refusal = {
  readonly allowed: false;
  readonly why: 'unauthenticated' | 'forbidden' | 'invalid';
  readonly detail: string;
};

export type Decision = { readonly allowed: true } | Refusal;

/** Allowed, acting as `actingUser`: the id the request named, or the token's own user when it named none. */
export type ActingDecision = { readonly allowed: true; readonly actingUser: string | number } | Refusal;

type RequestId = string | number;

const refuse = (why: Refusal['why'], detail: string): Refusal => ({ allowed: false, why, detail });

/** `/users/get`: any lookup, by anyone signed in. */
export function mayLookUpUsers(_identity: Identity): Decision {
  return { allowed: true };
}

/** `/chats/add`: a user token only for a chat that includes its own user. */
export function mayAddChat(identity: Identity, users: readonly RequestId[]): Decision {
  if (identity.kind === 'admin') return { allowed: true };
  if (users.some((user) => namesUser(user, identity.userId))) return { allowed: true };
  return refuse('forbidden', `a user token may only create chats that include its own user (${identity.userId})`);
}

/** `/messages/add`: a user token posts only as itself; without `author`, it posts as the token's user. */
export function mayAddMessage(identity: Identity, author: RequestId | undefined): ActingDecision {
  return actAs(identity, author, 'author', 'post as');
}

/** The methods that act on one user's own things, and how a refusal says so. */
const OWN_USER_ACTIONS = {
  '/chats/get': 'list the chats of',
  '/chats/read': 'move the read marker of',
  '/events': 'follow the events of',
} as const;

/**
 * `/chats/get`, `/chats/read` and `/events?user=`: a user token only for its own user, which `user`
 * may leave out.
 */
export function mayActForUser(
  identity: Identity,
  method: keyof typeof OWN_USER_ACTIONS,
  user: RequestId | undefined,
): ActingDecision {
  return actAs(identity, user, 'user', OWN_USER_ACTIONS[method]);
}

function actAs(identity: Identity, named: RequestId | undefined, field: string, action: string): ActingDecision {
  if (identity.kind === 'admin') {
    if (named === undefined)
      return refuse('invalid', `${field} is required with an admin token, which acts for no user`);
    return { allowed: true, actingUser: named };
  }
  if (named === undefined || namesUser(named, identity.userId)) return { allowed: true, actingUser: identity.userId };
  return refuse(
    'forbidden',
    `a user token may only ${action} its own user (${identity.userId}); leave ${field} out or set it to "${identity.userId}"`,
  );
}

/**
 * `/messages/get` and `/events?chat=`: a user token only for chats its user is a member of. `isMember`
 * is whether the token's user is a member of `chat` (ignored for an admin, who need not look it up).
 */
export function mayReadChat(identity: Identity, chat: RequestId, isMember: boolean): Decision {
  if (identity.kind === 'admin' || isMember) return { allowed: true };
  return refuse('forbidden', `user ${identity.userId} is not a member of chat ${chat}, so may not read it`);
}

/**
 * `/users/add`: an admin token, or anyone when sign-up is open, signing up with a password. `identity`
 * is undefined when no token was sent (a token sent and refused is answered 401 before this).
 */
export function mayAddUser(identity: Identity | undefined, signup: SignupPolicy, hasPassword: boolean): Decision {
  if (identity?.kind === 'admin') return { allowed: true };
  if (signup === 'closed') {
    const detail = 'adding users needs an admin token: sign-up is closed on this server';
    return identity === undefined ? refuse('unauthenticated', detail) : refuse('forbidden', detail);
  }
  if (!hasPassword) return refuse('invalid', 'password is required to sign up (8-1024 characters)');
  return { allowed: true };
}
