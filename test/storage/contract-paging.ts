import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chatPosition } from '../../src/chat/chat-position.js';
import { readPage } from '../../src/chat/history-pages.js';
import type { Storage } from '../../src/chat/storage-port.js';
import type { MessagePage } from '../../src/model/pages.js';
import { type Backend, messagesIn } from '../support/backends.js';
import { created, withDatabase } from './contract-support.js';

const FIXED_TIME = Date.UTC(2026, 10, 24, 19, 5, 9, 375);

/** Paging by keyset positions: stable, bounded, and exact about what it refuses. */
export function pagingContract(backend: Backend): void {
  describe(`${backend.name} paging`, () => {
    const room = async (storage: Storage, messages: number) => {
      const a = created(await storage.addUser('a'));
      const b = created(await storage.addUser('b'));
      const chat = created(await storage.addChat('room', [a, b]));
      const ids: string[] = [];
      for (let i = 0; i < messages; i++) ids.push(created(await storage.addMessage(chat, i % 2 ? a : b, `m${i}`)));
      return { a, b, chat, ids };
    };
    const idsOf = async (storage: Storage, chat: string, page: MessagePage) =>
      (await messagesIn(storage, chat, page)).map((message) => message.id);

    const pagesBothWays = async (storage: Storage) => {
      const { chat, ids } = await room(storage, 25);
      assert.deepEqual(await idsOf(storage, chat, { limit: 10 }), ids.slice(15));
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, before: ids[15] }), ids.slice(5, 15));
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, before: ids[5] }), ids.slice(0, 5));
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, before: ids[0] }), []);
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, after: ids[4] }), ids.slice(5, 15));
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, after: ids[24] }), []);
      assert.deepEqual(await idsOf(storage, chat, { before: ids[3] }), ids.slice(0, 3));
      assert.deepEqual(await idsOf(storage, chat, { after: ids[20] }), ids.slice(21));
      assert.deepEqual(await idsOf(storage, chat, { limit: 1000 }), ids);
      assert.deepEqual(await idsOf(storage, chat, { limit: 10, fromStart: true }), ids.slice(0, 10));
    };

    test('a history pages backwards and forwards from any message, each page oldest first', () =>
      withDatabase(backend, pagesBothWays));

    test('paging is exact when every message has the same timestamp', () =>
      withDatabase(backend, pagesBothWays, () => FIXED_TIME));

    test('a page anchored on an unknown message, or on one of another chat, is refused', () =>
      withDatabase(backend, async (storage) => {
        const { a, b, chat, ids } = await room(storage, 3);
        const other = created(await storage.addChat('other', [a, b]));
        const elsewhere = created(await storage.addMessage(other, a, 'elsewhere'));
        const missing = String(BigInt(elsewhere) + 1000n);
        assert.deepEqual(await readPage(storage, chat, { after: elsewhere }), {
          ok: false,
          reason: 'foreign_message',
        });
        assert.deepEqual(await readPage(storage, chat, { before: missing, limit: 5 }), {
          ok: false,
          reason: 'unknown_message',
        });
        assert.deepEqual(await readPage(storage, String(BigInt(other) + 1000n), { after: ids[0] }), {
          ok: false,
          reason: 'unknown_chat',
        });
      }));

    test('walking a history forward while others post never repeats and never skips a message', () =>
      withDatabase(backend, async (storage) => {
        const { a, b, chat } = await room(storage, 1);
        let writing = true;
        const writers = Array.from({ length: 4 }, async (_, writer) => {
          for (let i = 0; i < 40; i++) created(await storage.addMessage(chat, writer % 2 ? a : b, `w${writer}-${i}`));
        });
        const done = Promise.all(writers).then(() => {
          writing = false;
        });
        // Start from the newest message now, then follow `after` until the writers are done and a page is empty.
        let cursor = (await idsOf(storage, chat, { limit: 1 }))[0] as string;
        const seen = [cursor];
        for (;;) {
          // A reader is another client: it gives the writers a turn between its requests.
          await new Promise((resolve) => setImmediate(resolve));
          const finished = !writing;
          const page = await idsOf(storage, chat, { limit: 7, after: cursor });
          seen.push(...page);
          cursor = page.at(-1) ?? cursor;
          if (finished && page.length === 0) break;
        }
        await done;
        const stored = await idsOf(storage, chat, {});
        const fromFirstSeen = stored.slice(stored.indexOf(seen[0] as string));
        assert.equal(new Set(seen).size, seen.length, 'no message twice');
        assert.deepEqual(seen, fromFirstSeen, 'every message after the first page, in order');
      }));

    test("a user's chat list pages by position and the pages add up to the unpaged list", () => {
      let now = FIXED_TIME;
      return withDatabase(
        backend,
        async (storage) => {
          const me = created(await storage.addUser('me'));
          const you = created(await storage.addUser('you'));
          const chats: string[] = [];
          for (let i = 0; i < 23; i++) {
            if (i % 5 === 0) now += 1000;
            chats.push(created(await storage.addChat(`chat ${i}`, [me, you])));
          }
          for (const [i, chat] of chats.entries()) {
            if (i % 3 === 0) now += i % 2 ? 0 : 1000;
            if (i % 3 === 0) created(await storage.addMessage(chat, you, `in ${i}`));
          }
          const whole = (await storage.chatsOfUser(me)) ?? [];
          assert.equal(whole.length, 23);
          const walked: string[] = [];
          let after: ReturnType<typeof chatPosition> | undefined;
          for (;;) {
            const page = (await storage.chatsOfUser(me, after ? { limit: 4, after } : { limit: 4 })) ?? [];
            walked.push(...page.map((chat) => chat.id));
            const last = page.at(-1);
            if (page.length < 4 || last === undefined) break;
            after = chatPosition(last);
          }
          assert.deepEqual(
            walked,
            whole.map((chat) => chat.id),
          );
          const [first] = (await storage.chatsOfUser(me, { limit: 1 })) ?? [];
          assert.deepEqual(first, whole[0], 'a paged chat carries all its members');
        },
        () => now,
      );
    });
  });
}
