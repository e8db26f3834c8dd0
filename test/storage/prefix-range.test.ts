import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { prefixUpperBound } from '../../src/storage/prefix-range.js';

/** Code point order, as the backends sort usernames: the order of UTF-8 bytes. */
const compare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

test('the bound of a prefix is the prefix with its last character moved to the next code point', () => {
  assert.equal(prefixUpperBound('al'), 'am');
  assert.equal(prefixUpperBound('a'), 'b');
  assert.equal(prefixUpperBound('Z'), '[');
  assert.equal(prefixUpperBound('a\uFFFF'), 'a\u{10000}');
  assert.equal(prefixUpperBound('a😀'), 'a😁');
  assert.equal(prefixUpperBound('𝔘'), '𝔙');
});

test('_ and % are characters like any other: their bounds are ` and &', () => {
  assert.equal(prefixUpperBound('a_'), 'a`');
  assert.equal(prefixUpperBound('a%'), 'a&');
  assert.equal(prefixUpperBound('_'), '`');
});

test('no surrogate code point is a bound: the one after U+D7FF is U+E000', () => {
  assert.equal(prefixUpperBound('\uD7FF'), '\uE000');
  assert.equal(prefixUpperBound('x\uD7FF'), 'x\uE000');
});

test('a prefix ending in U+10FFFF is bounded by what comes before it; one made only of it, by nothing', () => {
  assert.equal(prefixUpperBound('a\u{10FFFF}'), 'b');
  assert.equal(prefixUpperBound('a\u{10FFFF}\u{10FFFF}'), 'b');
  assert.equal(prefixUpperBound('a\uD7FF\u{10FFFF}'), 'a\uE000');
  assert.equal(prefixUpperBound('\u{10FFFF}'), undefined);
  assert.equal(prefixUpperBound('\u{10FFFF}\u{10FFFF}'), undefined);
  assert.equal(prefixUpperBound(''), undefined);
});

test('a string starts with a prefix exactly when it lies between the prefix and its bound', () => {
  const edges = ['a', 'b', '_', '%', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '😀', '\u{10FFFE}', '\u{10FFFF}'];
  const unit = fc.oneof(fc.constantFrom(...edges), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
  const text = (minLength: number) => fc.string({ unit, minLength, maxLength: 4 });
  const candidates = fc
    .tuple(text(1), text(0), text(0))
    .chain(([prefix, suffix, other]) => fc.tuple(fc.constant(prefix), fc.constantFrom(prefix + suffix, other)));
  fc.assert(
    fc.property(candidates, ([prefix, candidate]) => {
      const bound = prefixUpperBound(prefix);
      const inRange = compare(candidate, prefix) >= 0 && (bound === undefined || compare(candidate, bound) < 0);
      assert.equal(inRange, candidate.startsWith(prefix), JSON.stringify({ prefix, candidate, bound }));
    }),
    { numRuns: 5_000 },
  );
});
