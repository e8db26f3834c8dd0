import type { Id } from '../model/entities.js';

/** Why a read marker cannot be moved, in the order the checks are made. */
export type ReadRefusal = 'unknown_chat' | 'unknown_user' | 'unknown_message' | 'not_a_member' | 'foreign_message';

/** A message as a marker points at it: its place in its chat's sequence (1, 2, 3 … in history order). */
export interface MarkerTarget {
  id: Id;
  chat: Id;
  seq: number;
}

/** What a backend found, inside the write that would move a member's marker. */
export interface ReadFacts {
  chatExists: boolean;
  userExists: boolean;
  /** The member's marker (seq 0 before any), or undefined when the user is not a member. */
  marker: { seq: number } | undefined;
  /**
   * The message named, or undefined when it does not exist; when none was named, the chat's newest
   * message, or undefined while the chat has none.
   */
  target: MarkerTarget | undefined;
  /** Whether the request named a message (else it marks the whole chat read). */
  named: boolean;
}

export type ReadVerdict = { refused: ReadRefusal } | { moved: false } | { moved: true; to: MarkerTarget };

/**
 * A member's marker only moves forward, to a message of that chat: naming an older message (or the one it
 * is at) changes nothing and is no refusal. Refusals come in the order the API promises: an unknown chat,
 * user or message; then a user who is not a member; then a message of another chat.
 */
export function judgeRead(chatId: Id, facts: ReadFacts): ReadVerdict {
  if (!facts.chatExists) return { refused: 'unknown_chat' };
  if (!facts.userExists) return { refused: 'unknown_user' };
  if (facts.named && facts.target === undefined) return { refused: 'unknown_message' };
  if (facts.marker === undefined) return { refused: 'not_a_member' };
  if (facts.target === undefined) return { moved: false };
  if (facts.target.chat !== chatId) return { refused: 'foreign_message' };
  return facts.target.seq > facts.marker.seq ? { moved: true, to: facts.target } : { moved: false };
}

/** The messages after a marker: the chat's count less the marker's place, never below zero. */
export const unreadAfter = (lastSeq: number, markerSeq: number): number => Math.max(0, lastSeq - markerSeq);
