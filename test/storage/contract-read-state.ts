import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MarkReadResult, Storage } from '../../src/chat/storage-port.js';
import type { Chat, ReadState } from '../../src/model/entities.js';
import { type Backend, messagesIn } from '../support/backends.js';
import { created, withDatabase } from './contract-support.js';

async function sequenceAll(storage: Storage): Promise<void> {
  while ((await storage.sequenceEvents()) > 0) {}
}

/**
 * A chat of a and b, who write `messages` messages in turn (b first), and of a reader who never writes;
 * and an outsider.
 */
async function room(storage: Storage, messages: number) {
  const [a, b, reader, outsider] = [
    created(await storage.addUser('a')),
    created(await storage.addUser('b')),
    created(await storage.addUser('reader')),
    created(await storage.addUser('outsider')),
  ];
  const chat = created(await storage.addChat('room', [a, b, reader]));
  const ids: string[] = [];
  for (let i = 0; i < messages; i++) ids.push(created(await storage.addMessage(chat, i % 2 ? a : b, `m${i}`)));
  return { a, b, reader, outsider, chat, ids };
}

async function chatOf(storage: Storage, user: string, chat: string): Promise<Chat> {
  const found = (await storage.chatsOfUser(user))?.find((candidate) => candidate.id === chat);
  assert.ok(found, `chat ${chat} of user ${user}`);
  return found;
}

function moved(result: MarkReadResult): ReadState {
  assert.ok(result.ok, JSON.stringify(result));
  return result.state;
}

/** Read markers and unread counts, on every backend alike. */
export function readStateContract(backend: Backend): void {
  describe(`${backend.name} read state`, () => {
    test('a new chat has nothing unread and no marker for any member', () =>
      withDatabase(backend, async (storage) => {
        const { a, b, chat } = await room(storage, 0);
        for (const user of [a, b]) {
          const listed = await chatOf(storage, user, chat);
          assert.deepEqual([listed.last_read, listed.unread], [null, 0]);
        }
      }));

    test("posting moves the author's marker to the message; the others count it unread", () =>
      withDatabase(backend, async (storage) => {
        const { a, b, chat, ids } = await room(storage, 3);
        // m0 by b, m1 by a, m2 by b.
        assert.deepEqual(
          [(await chatOf(storage, a, chat)).last_read, (await chatOf(storage, a, chat)).unread],
          [ids[1], 1],
        );
        assert.deepEqual(
          [(await chatOf(storage, b, chat)).last_read, (await chatOf(storage, b, chat)).unread],
          [ids[2], 0],
        );
      }));

    test('a marker moves forward to a message, never back, and unread is what /messages/get after it lists', () =>
      withDatabase(backend, async (storage) => {
        const { reader, chat, ids } = await room(storage, 6);
        assert.equal((await chatOf(storage, reader, chat)).unread, 6);
        const to4 = await storage.markRead(chat, reader, ids[4]);
        assert.deepEqual(to4, { ok: true, moved: true, state: { chat, user: reader, last_read: ids[4], unread: 1 } });
        const back = await storage.markRead(chat, reader, ids[2]);
        assert.deepEqual(back, { ok: true, moved: false, state: { chat, user: reader, last_read: ids[4], unread: 1 } });
        const same = await storage.markRead(chat, reader, ids[4]);
        assert.equal(same.ok && same.moved, false);
        const listed = await chatOf(storage, reader, chat);
        assert.equal(listed.last_read, ids[4]);
        assert.equal(listed.unread, (await messagesIn(storage, chat, { after: ids[4] })).length);
        const all = moved(await storage.markRead(chat, reader, undefined));
        assert.deepEqual(all, { chat, user: reader, last_read: ids[5], unread: 0 });
      }));

    test('marking a chat without messages read changes nothing', () =>
      withDatabase(backend, async (storage) => {
        const { reader, chat } = await room(storage, 0);
        assert.deepEqual(await storage.markRead(chat, reader, undefined), {
          ok: true,
          moved: false,
          state: { chat, user: reader, last_read: null, unread: 0 },
        });
      }));

    test('refusals: unknown chat, user, message; then not a member; then a message of another chat', () =>
      withDatabase(backend, async (storage) => {
        const { a, b, outsider, chat, ids } = await room(storage, 2);
        const other = created(await storage.addChat('other', [a, b]));
        const elsewhere = created(await storage.addMessage(other, a, 'elsewhere'));
        const missing = String(BigInt(elsewhere) + 1000n);
        const missingChat = String(BigInt(other) + 1000n);
        const missingUser = String(BigInt(outsider) + 1000n);
        const reasons = [
          await storage.markRead(missingChat, missingUser, missing),
          await storage.markRead(chat, missingUser, missing),
          await storage.markRead(chat, outsider, missing),
          await storage.markRead(chat, outsider, elsewhere),
          await storage.markRead(chat, outsider, undefined),
          await storage.markRead(chat, a, elsewhere),
        ].map((result) => (result.ok ? 'ok' : result.reason));
        assert.deepEqual(reasons, [
          'unknown_chat',
          'unknown_user',
          'unknown_message',
          'not_a_member',
          'not_a_member',
          'foreign_message',
        ]);
        assert.equal((await chatOf(storage, a, chat)).last_read, ids[1]);
      }));

    test('a moved marker is an event of the log: its reader and its chat see it, others do not', () =>
      withDatabase(backend, async (storage) => {
        const { a, reader, chat, ids } = await room(storage, 3);
        await sequenceAll(storage);
        const before = await storage.lastLogPosition();
        moved(await storage.markRead(chat, reader, ids[1]));
        await storage.markRead(chat, reader, ids[0]); // backwards: no event
        await sequenceAll(storage);
        const read = { chat, user: reader, last_read: ids[1], unread: 1 };
        const kinds = (events: Awaited<ReturnType<Storage['eventsAfter']>>) =>
          events.map((event) => (event.kind === 'read' ? event.read : event.kind));
        assert.deepEqual(kinds(await storage.eventsAfter(before, 'all', 100)), [read]);
        assert.deepEqual(kinds(await storage.eventsAfter(before, { chat }, 100)), [read]);
        assert.deepEqual(kinds(await storage.eventsAfter(before, { user: reader }, 100)), [read]);
        assert.deepEqual(kinds(await storage.eventsAfter(before, { user: a }, 100)), []);
      }));

    test('concurrent moves of one marker leave it at the furthest, whatever order they commit in', () =>
      withDatabase(backend, async (storage, database) => {
        const { reader, chat, ids } = await room(storage, 40);
        const other = database.twin?.() ?? storage;
        const shuffled = [...ids].sort(() => Math.random() - 0.5);
        const results = await Promise.all(
          shuffled.map((id, index) => (index % 2 ? other : storage).markRead(chat, reader, id)),
        );
        assert.ok(results.every((result) => result.ok));
        const listed = await chatOf(storage, reader, chat);
        assert.deepEqual([listed.last_read, listed.unread], [ids[39], 0]);
        // Each move that happened was logged once, each further than the one before it.
        await sequenceAll(storage);
        const reads = (await storage.eventsAfter(0, { user: reader }, 1000)).flatMap((event) =>
          event.kind === 'read' ? [BigInt(event.read.last_read ?? 0)] : [],
        );
        assert.ok(reads.length >= 1 && reads.length === results.filter((result) => result.ok && result.moved).length);
        assert.ok(reads.every((id, index) => index === 0 || id > (reads[index - 1] as bigint)));
      }));

    test('while others post, every list answer counts exactly the messages after its marker', () =>
      withDatabase(backend, async (storage) => {
        const { a, b, chat } = await room(storage, 0);
        const posting = (async () => {
          for (let i = 0; i < 60; i++) created(await storage.addMessage(chat, b, `p${i}`));
        })();
        const seen: Chat[] = [];
        while (seen.length < 30) seen.push(await chatOf(storage, a, chat));
        await posting;
        const history = await messagesIn(storage, chat);
        for (const listed of seen) {
          // Messages are numbered in history order: the answer's count is a prefix of the history.
          const atLast =
            listed.last_message_at === null
              ? 0
              : history.filter((m) => m.created_at <= (listed.last_message_at as string)).length;
          assert.ok(listed.unread <= history.length && listed.unread >= 0);
          assert.ok(listed.unread >= atLast - history.filter((m) => m.created_at === listed.last_message_at).length);
          assert.ok(listed.unread <= atLast);
        }
        assert.equal((await chatOf(storage, a, chat)).unread, 60);
      }));
  });
}
