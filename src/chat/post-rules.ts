/** Why a message is refused, in the order the checks are made. */
export type PostRefusal = 'unknown_chat' | 'unknown_author' | 'not_a_member';

/**
 * What a backend found about a post, inside the write that would add it. A member's chat and author
 * exist (the membership row refers to both), so a backend may leave `authorExists` true for a member
 * without reading it.
 */
export interface PostFacts {
  chatExists: boolean;
  member: boolean;
  authorExists: boolean;
  /** The chat's last message time (ms since the epoch), or null while it has none. */
  lastMessageAt: number | null;
}

export type PostVerdict = { accepted: true; createdAt: number } | { accepted: false; refusal: PostRefusal };

/**
 * Only a member of a chat may post in it; an unknown chat is told before an unknown author. A message is
 * never stamped earlier than the chat's last one, even when the clock goes back, so that `created_at, id`
 * order stays the order in which a chat's messages were accepted.
 */
export function judgePost(facts: PostFacts, now: number): PostVerdict {
  if (!facts.chatExists) return { accepted: false, refusal: 'unknown_chat' };
  if (!facts.member) return { accepted: false, refusal: facts.authorExists ? 'not_a_member' : 'unknown_author' };
  return { accepted: true, createdAt: Math.max(now, facts.lastMessageAt ?? now) };
}

/**
 * The refusal explained by facts read beside a statement that adds a message only when the post is
 * accepted (PostgreSQL's, which decides in SQL: see its statements.ts), when it added none.
 */
export function refusalOf(chatExists: boolean, authorExists: boolean): PostRefusal {
  const verdict = judgePost({ chatExists, member: false, authorExists, lastMessageAt: null }, 0);
  return verdict.accepted ? 'not_a_member' : verdict.refusal;
}
