import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerForKey, KEY_REUSED } from '../../src/chat/key-rules.js';

test('a new key creates', () => {
  assert.equal(answerForKey(undefined, 'f1'), undefined);
});

test('a key used before for the same request answers what it created, and creates nothing', () => {
  assert.deepEqual(answerForKey({ fingerprint: 'f1', id: '7' }, 'f1'), { ok: true, id: '7' });
});

test('a key used before for another request is refused', () => {
  assert.deepEqual(answerForKey({ fingerprint: 'f1', id: '7' }, 'f2'), KEY_REUSED);
});
