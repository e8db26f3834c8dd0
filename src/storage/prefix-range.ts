const LAST_CODE_POINT = 0x10ffff;
const BEFORE_SURROGATES = 0xd7ff;
const AFTER_SURROGATES = 0xe000;

/**
 * The least string above every string that starts with `prefix`, in code point order (the order of
 * UTF-8 bytes, which every backend's usernames sort by), or `undefined` when none is: then every string
 * from `prefix` on starts with it. So the strings starting with `prefix` are one range of a username
 * index, `prefix <= username < bound`, which no LIKE could promise (its `_` and `%` are wildcards, and
 * its use of an index depends on the collation).
 *
 * The bound is `prefix` with its last code point moved to the next one. No string holds a surrogate
 * code point, so the one after U+D7FF is U+E000; nothing comes after U+10FFFF, so a prefix ending in
 * it is bounded by the bound of what comes before. `prefix` is Unicode text: no unpaired surrogate.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (character) => character.codePointAt(0) as number);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as number;
    if (last !== LAST_CODE_POINT) {
      codePoints.push(last === BEFORE_SURROGATES ? AFTER_SURROGATES : last + 1);
      return String.fromCodePoint(...codePoints);
    }
  }
  return undefined;
}
