import fc from 'fast-check';
import { CHAT_PATHS } from '../../src/http/routes/chat-routes.js';
import { anyValueText, char, type FIELDS, forgedCursor, objectText } from './hostile-json.js';

/**
 * Arbitraries for what carries those values to the server, broken in its turn: bodies that are not JSON or
 * not UTF-8 or over the limit, headers of every kind, and whole HTTP/1.x requests with hostile framing. The
 * field values themselves come from hostile-json.ts.
 */

export interface HostileRequest {
  path: string;
  payload: string | Buffer;
  headers: Record<string, string>;
}

const ADD_PATHS: ReadonlySet<string> = new Set(['/users/add', '/chats/add', '/messages/add']);

/** Byte sequences that are not UTF-8: a stray continuation, an overlong NUL, an encoded surrogate, a cut sequence. */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
);

const OVER_LIMIT = `{"username":"${'x'.repeat(1024 * 1024)}"}`;
const AT_LIMIT = `{"username":"ok","padding":"${'x'.repeat(1024 * 1024 - 30)}"}`;

/** The body for `path`: mostly JSON objects, then broken ones, raw bytes, and bodies just over the limit. */
const bodyFor = (path: keyof typeof FIELDS): fc.Arbitrary<string | Buffer> => {
  const object = objectText(path);
  return fc.oneof(
    { weight: 20, arbitrary: object },
    {
      weight: 1,
      arbitrary: object.chain((text) => fc.nat({ max: text.length }).map((cut) => text.slice(0, cut))),
    },
    { weight: 2, arbitrary: anyValueText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(object, fc.nat(), invalidUtf8)
        .map(([text, at, bytes]) =>
          Buffer.concat([
            Buffer.from(text.slice(0, at % (text.length + 1))),
            Buffer.from(bytes),
            Buffer.from(text.slice(at % (text.length + 1))),
          ]),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('', '\uFEFF', ' \n\t', '\u00a0'),
          object,
          fc.constantFrom('', ' ', 'x', '}', ',', '\u0000'),
        )
        .map((parts) => parts.join('')),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', OVER_LIMIT, AT_LIMIT) },
  );
};

/** Header values: printable ASCII and Latin-1 (what an HTTP header can carry at all). */
const headerText = fc.string({
  unit: char(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))),
  maxLength: 60,
});

/** Mostly JSON (declared or not), so that bodies get read; then every way to declare something else. */
const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      'application/problem+json',
      'application/vnd.api+json; charset=utf-8',
      'text/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json;',
      ';',
      '',
      ' ',
      'application/',
      '/json',
      'application/json+x',
      '*/*',
      'application/json, text/plain',
      'application/json; charset',
      'application/json; charset=',
      'application/json; =utf-8',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

const idempotencyKey = fc.option(
  fc.oneof(
    fc.uuid(),
    fc.constantFrom('', ' ', 'k', 'k '.repeat(100), 'k'.repeat(255), 'k'.repeat(256), 'k'.repeat(8000)),
    headerText,
  ),
  { nil: undefined, freq: 2 },
);

/** A POST to one of the five methods (or a near miss of its path), with hostile body and headers. */
export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .constantFrom(...CHAT_PATHS)
  .chain((path) =>
    fc.record({
      path: fc.oneof(
        { weight: 10, arbitrary: fc.constant(path) },
        { weight: 1, arbitrary: fc.constantFrom(`${path}/`, path.toUpperCase(), `${path}?limit=1`, `/${path}`) },
      ),
      payload: bodyFor(path),
      contentType,
      key: ADD_PATHS.has(path) ? idempotencyKey : fc.constant(undefined),
    }),
  )
  .map(({ path, payload, contentType, key }) => ({
    path,
    payload,
    headers: {
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
  }));

const printable = char(fc.integer({ min: 0x21, max: 0x7e }));

/** How a raw request says where its body ends, rightly or wrongly. */
type Framing =
  | { kind: 'length' }
  | { kind: 'wrong-length'; delta: number }
  | { kind: 'bad-length'; value: string }
  | { kind: 'two-lengths'; delta: number }
  | { kind: 'chunked'; size: string; terminated: boolean }
  | { kind: 'chunked-and-length' }
  | { kind: 'none' };

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ kind: 'length' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('wrong-length' as const), delta: fc.integer({ min: -30, max: 30 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bad-length' as const),
      value: fc.oneof(
        fc.constantFrom('-1', 'abc', '1, 2', '0x10', '99999999999999999999999', '+5', ' 5', '5 ', '', '1e3'),
        fc.string({ unit: printable, maxLength: 8 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('two-lengths' as const), delta: fc.integer({ min: 0, max: 5 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('chunked' as const),
      size: fc.oneof(
        fc.constantFrom('', 'zz', 'ffffffffffffffffffff', '-1', '1;ext=1', ' 1'),
        fc.nat({ max: 400 }).map((n) => n.toString(16)),
      ),
      terminated: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'chunked-and-length' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

function framed(body: Buffer, how: Framing, eol: string): { headers: string[]; body: Buffer } {
  switch (how.kind) {
    case 'length':
      return { headers: [`Content-Length: ${body.length}`], body };
    case 'wrong-length':
      return { headers: [`Content-Length: ${Math.max(0, body.length + how.delta)}`], body };
    case 'bad-length':
      return { headers: [`Content-Length: ${how.value}`], body };
    case 'two-lengths':
      return { headers: [`Content-Length: ${body.length}`, `Content-Length: ${body.length + how.delta}`], body };
    case 'chunked': {
      const size = how.size === '' ? body.length.toString(16) : how.size;
      const end = how.terminated ? `0${eol}${eol}` : '';
      return {
        headers: ['Transfer-Encoding: chunked'],
        body: Buffer.concat([Buffer.from(`${size}${eol}`), body, Buffer.from(`${eol}${end}`)]),
      };
    }
    case 'chunked-and-length':
      return { headers: ['Transfer-Encoding: chunked', `Content-Length: ${body.length}`], body };
    case 'none':
      return { headers: [], body };
  }
}

const oddHeader = fc.oneof(
  fc.constantFrom(
    'X-Nul: a\u0000b',
    'X-Fold: a\r\n b',
    'Bad Header: x',
    ': empty-name',
    `X-Huge: ${'h'.repeat(20_000)}`,
    'Transfer-Encoding: gzip',
    'Content-Encoding: gzip',
    'Expect: 100-continue',
    'Expect: 999-nonsense',
    'Connection: close',
    'Connection: keep-alive, Upgrade',
    'Upgrade: websocket',
    'Content-Type: text/plain',
    'Content-Type: application/json; charset=latin1',
    'X-Bare-LF: a\nX-B: b',
    'Idempotency-Key: \u00ff\u00fe',
    'Idempotency-Key: retry-1',
  ),
  fc
    .tuple(fc.string({ unit: printable, minLength: 1, maxLength: 12 }), fc.string({ unit: printable, maxLength: 30 }))
    .map(([name, value]) => `${name}: ${value}`),
);

/** Mostly `valid`, sometimes one of `broken`: a request tends to be wrong in one place at a time. */
const mostly = <T>(valid: T, broken: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: broken });

/** A whole HTTP/1.x request as bytes, each part of which may be malformed, sometimes pipelined twice or thrice. */
const structuredRaw = fc
  .constantFrom(...CHAT_PATHS)
  .chain((path) =>
    fc.record({
      method: mostly(
        'POST',
        fc.oneof(
          fc.constantFrom('GET', 'HEAD', 'PUT', 'OPTIONS', 'CONNECT', 'TRACE', 'PRI', 'post', 'P0ST', ''),
          fc.string({ unit: printable, maxLength: 10 }),
        ),
      ),
      target: mostly<string>(
        path,
        fc.constantFrom(
          '*',
          `http://localhost${path}`,
          `${path}#x`,
          '/%00',
          '/%',
          `${path}?${'a'.repeat(5000)}`,
          `/${'a'.repeat(20_000)}`,
          `/${path}`,
          `/..${path}`,
          `${path}\u0000`,
          '',
          '/healthz',
          '/readyz',
          '/metrics',
          '/openapi.json',
        ),
      ),
      version: mostly<string>(
        'HTTP/1.1',
        fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'http/1.1', ''),
      ),
      host: mostly<string | undefined>('localhost', fc.constantFrom(undefined, '', 'a b', 'x'.repeat(300))),
      framing,
      extra: mostly<string[]>([], fc.array(oddHeader, { minLength: 1, maxLength: 3 })),
      eol: mostly('\r\n', fc.constant('\n')),
      body: bodyFor(path).map((body) => Buffer.from(body)),
      copies: fc.oneof(
        { weight: 3, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
      ),
    }),
  )
  .map(({ method, target, version, host, framing: how, extra, eol, body, copies }) => {
    const request = framed(body, how, eol);
    const headers = [...(host === undefined ? [] : [`Host: ${host}`]), ...request.headers, ...extra];
    const head = `${method} ${target} ${version}${eol}${headers.map((line) => `${line}${eol}`).join('')}${eol}`;
    const one = Buffer.concat([Buffer.from(head, 'latin1'), request.body]);
    return Buffer.concat(Array.from({ length: copies }, () => one));
  });

/** /chats/get of a known user, with a cursor forged for that very user (so that it gets past the owner check). */
export const forgedCursorRequest: fc.Arbitrary<HostileRequest> = fc
  .constantFrom('1', '2', '3')
  .chain((user) =>
    fc.record({
      user: fc.constant(user),
      limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      cursor: forgedCursor(fc.constant(user)),
    }),
  )
  .map(({ user, limit, cursor }) => ({
    path: '/chats/get',
    payload: `{"user":"${user}",${limit === undefined ? '' : `"limit":${limit},`}"cursor":${cursor}}`,
    headers: { 'content-type': 'application/json' },
  }));

/** Bytes a client may send on a socket: mostly requests broken somewhere, some plain noise. */
export const rawHttpRequest: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: structuredRaw },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)) },
);
