import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgePost, type PostFacts, refusalOf } from '../../src/chat/post-rules.js';

const member: PostFacts = { chatExists: true, member: true, authorExists: true, lastMessageAt: null };

test('a member posts, stamped with the time it arrived', () => {
  assert.deepEqual(judgePost(member, 1_000), { accepted: true, createdAt: 1_000 });
});

test('a message is never stamped before the chat last one, even when the clock goes back', () => {
  assert.deepEqual(judgePost({ ...member, lastMessageAt: 5_000 }, 1_000), { accepted: true, createdAt: 5_000 });
  assert.deepEqual(judgePost({ ...member, lastMessageAt: 500 }, 1_000), { accepted: true, createdAt: 1_000 });
});

test('an unknown chat is told before an unknown author, and an unknown author before not being a member', () => {
  const outsider = { ...member, member: false };
  assert.deepEqual(judgePost({ ...outsider, chatExists: false, authorExists: false }, 0), {
    accepted: false,
    refusal: 'unknown_chat',
  });
  assert.deepEqual(judgePost({ ...outsider, authorExists: false }, 0), { accepted: false, refusal: 'unknown_author' });
  assert.deepEqual(judgePost(outsider, 0), { accepted: false, refusal: 'not_a_member' });
});

test('facts read beside a statement that added nothing name the same refusals', () => {
  assert.equal(refusalOf(false, false), 'unknown_chat');
  assert.equal(refusalOf(true, false), 'unknown_author');
  assert.equal(refusalOf(true, true), 'not_a_member');
});
