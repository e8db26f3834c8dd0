import { Type } from 'typebox';

/** Text as stored: no NUL character (no backend can keep one) and no unpaired surrogate (not Unicode). */
export const TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** Idempotency keys: printable ASCII. */
export const KEY_PATTERN = '^[\\x20-\\x7E]+$';

/** What a client is told when a string breaks one of the patterns. */
export const PATTERN_HINTS: ReadonlyMap<string, string> = new Map([
  [TEXT_PATTERN, 'must not contain NUL characters or unpaired surrogates'],
  [KEY_PATTERN, 'must be printable ASCII characters only'],
]);

export const ID_DESCRIPTION = 'an id: a string of digits or a non-negative JSON integer';

/** Ids are accepted as digit strings or JSON integers; answers always carry them as strings. */
export const idInput = (description = ID_DESCRIPTION) =>
  Type.Union([Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 })], { description, examples: ['42'] });

export const IdInput = idInput();

export const Id = Type.String({
  pattern: '^[0-9]+$',
  description: 'An id, always a string of digits in answers',
  examples: ['42'],
});

export const Timestamp = Type.String({
  format: 'date-time',
  description: 'ISO 8601 in UTC with milliseconds',
  examples: ['2026-11-24T19:05:09.375Z'],
});

export const Created = Type.Object({ id: Id }, { description: 'The id of what was created', examples: [{ id: '42' }] });

export const Chat = Type.Object({
  id: Id,
  name: Type.String({ examples: ['chat_1'] }),
  users: Type.Array(Id, { description: 'Member ids, in the order the chat was created with' }),
  created_at: Timestamp,
  last_message_at: Type.Union([Timestamp, Type.Null()], { description: 'null while the chat has no messages' }),
  last_read: Type.Union([Id, Type.Null()], {
    description: 'The last message the user asked about has read (a marker that only moves forward); null before any',
  }),
  unread: Type.Integer({
    minimum: 0,
    description: "The chat's messages after last_read, exactly: what /messages/get with after: last_read would list",
  }),
});

/** How far one member has read one chat. */
export const ReadState = Type.Object(
  {
    chat: Id,
    user: Id,
    last_read: Type.Union([Id, Type.Null()], { description: 'The last message read; null before any' }),
    unread: Type.Integer({ minimum: 0, description: 'The messages after last_read' }),
  },
  { examples: [{ chat: '1', user: '2', last_read: '7', unread: 0 }] },
);

export const Message = Type.Object({
  id: Id,
  chat: Id,
  author: Id,
  text: Type.String({ examples: ['hi'] }),
  created_at: Timestamp,
});

export const Problem = Type.Object(
  {
    type: Type.String({
      description: 'A URN naming the kind of problem; stable, for programs to branch on',
      examples: ['urn:parley:problem:conflict'],
    }),
    title: Type.String({ description: 'A short name of the kind of problem', examples: ['Already exists'] }),
    status: Type.Integer({ description: 'The HTTP status of the answer', examples: [409] }),
    detail: Type.String({
      description: 'What was wrong with this request, in words a client developer can act on',
      examples: ['username "user_1" is taken'],
    }),
  },
  { description: 'An RFC 9457 problem (application/problem+json)' },
);

/** At most this many items in a page; a larger `limit` is refused, never clamped. */
export const MAX_PAGE = 1000;

export const Limit = Type.Integer({
  minimum: 1,
  maximum: MAX_PAGE,
  description: `At most this many items (1-${MAX_PAGE}); without it, everything`,
  examples: [50],
});

/** The add methods take an optional retry guard. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: KEY_PATTERN,
      description:
        'Makes retries safe: a repeat with the same key and body answers the first answer again and creates ' +
        'nothing; the same key with another body is a 422. 1-255 printable ASCII characters, kept 24 hours.',
      examples: ['5f0c6c1e-6b1a-4c3e-9a51-0e6f3a7d2b9c'],
    }),
  ),
});
