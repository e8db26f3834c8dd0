import fc from 'fast-check';
import type { CHAT_PATHS } from '../../src/http/routes/chat-routes.js';

/**
 * Arbitraries for the values a hostile or broken client may give the fields of the five methods. Values are
 * built as raw JSON text, not as objects, so that they can hold what JSON.stringify never writes: duplicate
 * keys, integers beyond 2^64, `-0`, `1e400`, escaped lone surrogates, nesting a hundred thousand deep. How
 * they travel (bodies, headers, HTTP framing) is hostile-http.ts.
 */

/** The fields each method reads; extra and missing ones are generated too. */
export const FIELDS: Readonly<Record<(typeof CHAT_PATHS)[number], readonly string[]>> = {
  '/users/add': ['username'],
  '/users/get': ['ids', 'usernames', 'prefix', 'limit'],
  '/chats/add': ['name', 'users'],
  '/messages/add': ['chat', 'author', 'text'],
  '/chats/get': ['user', 'limit', 'cursor'],
  '/messages/get': ['chat', 'limit', 'before', 'after'],
  '/chats/read': ['chat', 'user', 'message'],
};

const json = (value: unknown) => JSON.stringify(value);
/** Strings of one character each, drawn from `codes`. */
export const char = (codes: fc.Arbitrary<number>) => codes.map((code) => String.fromCharCode(code));

const loneSurrogate = char(fc.integer({ min: 0xd800, max: 0xdfff }));
const awkwardChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  loneSurrogate,
  fc.constantFrom('\u0000', '\uFEFF', '\u202E', '\u200B', '\n', '"', '\\', ' ', '𝔘', 'é'),
);

/** Any code point (astral ones included), lone surrogates, NUL, and strings around every length limit. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: awkwardChar, maxLength: 20 }),
  fc
    .record({
      unit: fc.constantFrom('x', '𝔘', 'é', ' ', '\u0000', '\uD800'),
      count: fc.constantFrom(0, 1, 63, 64, 65, 127, 128, 129, 255, 256, 65_535, 65_536, 65_537, 300_000),
    })
    .map(({ unit, count }) => unit.repeat(count)),
);

/** JSON number literals: floats, extremes, and integers far beyond what a double holds. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom('-0', '0.0', '1e400', '-1e400', '1E-400', '0.1', '1000', '1001', '1000.0', '1e3', '4294967296'),
);

/** Ids as clients get them wrong: signs, spaces, exponents, other digits, 2^63 and 2^64, hundreds of digits. */
const idText = fc.oneof(
  fc.constantFrom(
    '"1"',
    '"2"',
    '"3"',
    '1',
    '2',
    '"0001"',
    '"0"',
    '0',
    '-1',
    '"-1"',
    '1.0',
    '1e0',
    '-0',
    '"1 "',
    '" 1"',
    '"+1"',
    '"1e3"',
    '"0x1"',
    '"١"',
    '"9223372036854775807"',
    '9223372036854775807',
    '"9223372036854775808"',
    '18446744073709551617',
    '"18446744073709551617"',
    '1e400',
    '1.5',
    '1e20',
    '1234567890123456789.0',
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.bigInt({ min: 0n, max: 2n ** 200n }).map((n) => `"${n}"`),
  fc.nat({ max: 400 }).map((n) => `"${'9'.repeat(n)}"`),
);

/** A value nested `depth` levels deep, as arrays or as objects. */
const nestingText = fc
  .record({ depth: fc.integer({ min: 1, max: 120_000 }), objects: fc.boolean() })
  .map(({ depth, objects }) =>
    objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`,
  );

const pollutingText = fc.constantFrom(
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"\\u005f_proto__":{"polluted":1}}',
  '{"a":{"__proto__":[]}}',
  'true',
  'false',
  'null',
  '[]',
  '{}',
  '""',
);

/** Any JSON value text a field may be given. */
export const anyValueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map(json) },
  { weight: 3, arbitrary: hostileString.map(json) },
  { weight: 2, arbitrary: numberText },
  { weight: 3, arbitrary: idText },
  { weight: 1, arbitrary: fc.array(idText, { maxLength: 6 }).map((items) => `[${items.join(',')}]`) },
  { weight: 1, arbitrary: nestingText },
  { weight: 1, arbitrary: pollutingText },
);

/** Times a forged cursor may claim: real ones, and ones no backend can store or no Date can hold. */
const cursorTime = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4_000_000_000_000 }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(8.64e15, 8.64e15 + 1, -8.64e15, 253_402_300_800_000, -62_198_755_200_001, -1, 0),
  },
);

/** A cursor as the server issues them (base64url JSON of owner, active, time, chat id), each field forged. */
export const forgedCursor = (owner: fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      owner,
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.jsonValue() }),
      fc.oneof({ weight: 4, arbitrary: cursorTime }, { weight: 1, arbitrary: fc.jsonValue() }),
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('1', '2', '3', '9223372036854775807', '9223372036854775808') },
        { weight: 1, arbitrary: fc.string() },
      ),
    )
    .map((fields) => json(Buffer.from(json(fields)).toString('base64url')));

/** Cursors with every field forged, and plain junk. */
const cursorText = fc.oneof(
  forgedCursor(fc.oneof(fc.constantFrom('1', '2', '3'), fc.string())),
  fc.jsonValue().map((value) => json(Buffer.from(json(value) ?? '').toString('base64url'))),
  fc.string({ maxLength: 600 }).map(json),
);

/** Values that pass validation, so that requests also reach the chat's rules and the database. */
const validText: Readonly<Record<string, fc.Arbitrary<string>>> = {
  // Names the fixture already took come up often, so that taken names are tried too.
  username: fc
    .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constantFrom('ann', 'bob', 'cid'))
    .map(json),
  name: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }), fc.constantFrom('one', 'two')).map(json),
  users: fc.uniqueArray(fc.constantFrom('1', '2', '3', '4'), { minLength: 2 }).map(json),
  chat: fc.constantFrom('"1"', '"2"', '1'),
  author: fc.constantFrom('"1"', '"2"', '"3"'),
  text: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map(json),
  user: fc.constantFrom('"1"', '"2"', '"3"'),
  limit: fc.integer({ min: 1, max: 1000 }).map(String),
  before: fc.constantFrom('"1"', '"2"', '"3"', '"4"'),
  after: fc.constantFrom('"1"', '"2"', '"3"', '"4"'),
  cursor: cursorText,
  message: fc.constantFrom('"1"', '"2"', '"3"', '"4"', 'null'),
  ids: fc
    .array(fc.constantFrom('"1"', '2', '"003"', '"0"', '"9223372036854775808"'), { minLength: 1, maxLength: 6 })
    .map((items) => `[${items.join(',')}]`),
  usernames: fc
    .array(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constantFrom('ann', 'bob')), {
      minLength: 1,
      maxLength: 6,
    })
    .map(json),
  prefix: fc
    .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constantFrom('a', '_', '%'))
    .map(json),
};

const keyText = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
  fc.constantFrom(...Object.values(FIELDS).flat()),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

/** Paging fields are optional: mostly left out, so that reads get answered too. */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['limit', 'cursor', 'before', 'after', 'message']);
/** The three ways of /users/get, of which a body holds one: each is left out as often. */
const ONE_OF_FIELDS: ReadonlySet<string> = new Set(['ids', 'usernames', 'prefix']);

/** A JSON object for `path`: each field valid, hostile or missing, then extra (maybe duplicate) keys. */
export const objectText = (path: keyof typeof FIELDS) => {
  const fields = FIELDS[path];
  const fieldValue = (field: string) =>
    fc.oneof(
      { weight: OPTIONAL_FIELDS.has(field) || ONE_OF_FIELDS.has(field) ? 6 : 1, arbitrary: fc.constant(undefined) },
      { weight: 6, arbitrary: validText[field] as fc.Arbitrary<string> },
      { weight: 3, arbitrary: anyValueText },
    );
  return fc
    .tuple(fc.tuple(...fields.map(fieldValue)), fc.array(fc.tuple(keyText, anyValueText), { maxLength: 3 }))
    .map(([values, extra]) => {
      const entries = fields.flatMap((field, index) =>
        values[index] === undefined ? [] : [[field, values[index]] as const],
      );
      return `{${[...entries, ...extra].map(([key, value]) => `${json(key)}:${value}`).join(',')}}`;
    });
};
