import { Type } from 'typebox';
import { DEFAULT_PREFIX_LIMIT } from '../../chat/user-lookup.js';
import { Id, IdInput, TEXT_PATTERN, Timestamp } from './common.js';
import { problems, TRANSPORT_PROBLEMS } from './problems.js';

/** At most this many ids or usernames in one lookup. */
const MAX_LOOKUP = 1000;
/** At most this many users found by one prefix. */
const MAX_PREFIX_PAGE = 100;

const Username = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: TEXT_PATTERN,
  description: 'A username, exactly as stored (case-sensitive)',
  examples: ['user_1'],
});

const User = Type.Object({
  id: Id,
  username: Type.String({ examples: ['user_1'] }),
  created_at: Timestamp,
});

// Each shape allows no other field, so that a body holding two of them, or `limit` beside `ids`, is
// refused rather than half read.
const ByIds = Type.Object(
  {
    ids: Type.Array(IdInput, {
      minItems: 1,
      maxItems: MAX_LOOKUP,
      description: `1-${MAX_LOOKUP} ids; answered in this order, a repeated one once, unknown ones left out`,
      examples: [['1', '2']],
    }),
  },
  { title: 'By ids', additionalProperties: false },
);

const ByUsernames = Type.Object(
  {
    usernames: Type.Array(Username, {
      minItems: 1,
      maxItems: MAX_LOOKUP,
      description: `1-${MAX_LOOKUP} usernames; answered in this order, a repeated one once, unknown ones left out`,
      examples: [['user_1', 'user_2']],
    }),
  },
  { title: 'By usernames', additionalProperties: false },
);

const ByPrefix = Type.Object(
  {
    prefix: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: TEXT_PATTERN,
      description:
        'The start of the usernames to find, 1-64 characters, case-sensitive and literal (`_` and `%` are plain ' +
        'characters); the users found come by username in code point order',
      examples: ['al'],
    }),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PREFIX_PAGE,
        description: `At most this many users (1-${MAX_PREFIX_PAGE}); ${DEFAULT_PREFIX_LIMIT} when left out`,
        examples: [20],
      }),
    ),
  },
  { title: 'By the start of the username', additionalProperties: false },
);

export const UsersGet = {
  operationId: 'getUsers',
  tags: ['users'],
  summary: 'Find users by id, by username, or by the start of their username',
  description:
    'The body holds exactly one of `ids`, `usernames` or `prefix` (with an optional `limit`). Ids and usernames ' +
    'are answered in the order asked, a repeated one once, the unknown ones left out (an id no user can have is ' +
    'simply not found); a prefix finds the users whose username starts with it, by username in code point order.',
  body: Type.Union([ByIds, ByUsernames, ByPrefix], {
    examples: [{ ids: ['1', '2'] }, { usernames: ['user_1', 'user_2'] }, { prefix: 'al', limit: 20 }],
  }),
  response: {
    200: Type.Array(User, {
      description: 'The users found; an empty array when there are none',
      examples: [
        [
          { id: '1', username: 'user_1', created_at: '2026-11-24T19:05:09.375Z' },
          { id: '2', username: 'user_2', created_at: '2026-11-24T19:05:10.012Z' },
        ],
      ],
    }),
    ...problems({
      invalid_request: 'body must have only one of ids, usernames or prefix, got ids and usernames',
      ...TRANSPORT_PROBLEMS,
    }),
  },
};
