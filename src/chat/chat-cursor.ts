import type { Id } from '../model/entities.js';
import { invalid } from '../model/errors.js';
import type { ChatPosition } from '../model/pages.js';
import { canonicalId } from './ids.js';

/** The last millisecond of the year 9999: every backend stores times up to here, and no chat is stamped later. */
const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A chat-list cursor is the position of the last chat a page showed, and the user whose list it is,
 * as opaque base64url JSON. Being a position and not an offset, it continues exactly where the page
 * stopped however long the list is.
 */
export function encodeChatCursor(userId: Id, position: ChatPosition): string {
  const fields = [userId, position.active ? 1 : 0, position.at, position.id];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The position a cursor names; a cursor this server did not issue, or one of another user's list, is a 400. */
export function decodeChatCursor(cursor: string, userId: Id): ChatPosition {
  const fields = parseFields(cursor);
  if (fields === undefined) throw invalid('cursor is not one this server issued: pass Next-Cursor back as it came');
  const [owner, active, at, id] = fields;
  if (owner !== userId) throw invalid(`cursor belongs to another user's chat list, not user ${userId}'s`);
  return { active: active === 1, at, id };
}

function parseFields(cursor: string): [string, number, number, string] | undefined {
  try {
    const fields: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(fields) || fields.length !== 4) return undefined;
    const [owner, active, at, id] = fields as unknown[];
    const isId = (value: unknown): value is string =>
      typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && canonicalId(value) === value;
    // A time no backend can hold (or no Date can) would fail in the database, not as a refusal.
    const isTime = (value: unknown) =>
      Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= LATEST_TIME;
    if (!isId(owner) || !isId(id) || (active !== 0 && active !== 1) || !isTime(at)) return undefined;
    return [owner, active, at as number, id];
  } catch {
    return undefined;
  }
}
