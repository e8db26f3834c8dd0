import { Type } from 'typebox';

/** Text as stored: no NUL character (no backend can keep one) and no unpaired surrogate (not Unicode). */
export const TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** What a client is told when a string breaks TEXT_PATTERN. */
export const PATTERN_HINTS: ReadonlyMap<string, string> = new Map([
  [TEXT_PATTERN, 'must not contain NUL characters or unpaired surrogates'],
]);

export const ID_DESCRIPTION = 'an id: a string of digits or a non-negative JSON integer';

/** Ids are accepted as digit strings or JSON integers; answers always carry them as strings. */
export const IdInput = Type.Union([Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 })], {
  description: ID_DESCRIPTION,
  examples: ['42'],
});

export const Id = Type.String({ pattern: '^[0-9]+$', examples: ['42'] });

export const Timestamp = Type.String({
  format: 'date-time',
  description: 'ISO 8601 in UTC with milliseconds',
  examples: ['2026-11-24T19:05:09.375Z'],
});

export const Created = Type.Object({ id: Id }, { description: 'The id of what was created' });

export const Chat = Type.Object({
  id: Id,
  name: Type.String(),
  users: Type.Array(Id, { description: 'Member ids, in the order the chat was created with' }),
  created_at: Timestamp,
  last_message_at: Type.Union([Timestamp, Type.Null()], { description: 'null while the chat has no messages' }),
});

export const Message = Type.Object({
  id: Id,
  chat: Id,
  author: Id,
  text: Type.String(),
  created_at: Timestamp,
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
  },
  { description: 'An RFC 9457 problem (application/problem+json)' },
);
