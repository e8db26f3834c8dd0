import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readPage } from '../../src/chat/history-pages.js';
import type { Storage } from '../../src/chat/storage-port.js';
import type { Backend, TestDatabase } from '../support/backends.js';
import { messagesIn } from '../support/backends.js';
import { eventsContract } from './contract-events.js';
import { idempotencyContract } from './contract-idempotency.js';
import { pagingContract } from './contract-paging.js';
import { readStateContract } from './contract-read-state.js';
import { usersContract } from './contract-users.js';

const FIXED_TIME = Date.UTC(2026, 10, 24, 19, 5, 9, 375);

/** The behaviour every storage backend must have; a new backend is done when it passes this suite. */
export function storageContract(backend: Backend): void {
  describe(`${backend.name} storage contract`, () => {
    const withDatabase = async (
      run: (storage: Storage, database: TestDatabase) => Promise<void>,
      clock?: () => number,
    ) => {
      const database = await backend.open(clock);
      try {
        await run(database.storage, database);
      } finally {
        await database.close();
      }
    };

    const addUser = async (storage: Storage, username: string) => {
      const result = await storage.addUser(username);
      assert.ok(result.ok, `user ${username} should be created`);
      return result.id;
    };
    const addChat = async (storage: Storage, name: string, members: string[]) => {
      const result = await storage.addChat(name, members);
      assert.ok(result.ok, `chat ${name} should be created`);
      return result.id;
    };
    const addMessage = async (storage: Storage, chat: string, author: string, text: string) => {
      const result = await storage.addMessage(chat, author, text);
      assert.ok(result.ok, `message ${text} should be created`);
      return result.id;
    };

    test('users get distinct decimal ids and usernames are unique, case-sensitively', () =>
      withDatabase(async (storage) => {
        const ann = await addUser(storage, 'ann');
        const annCapital = await addUser(storage, 'Ann');
        assert.match(ann, /^[1-9][0-9]*$/);
        assert.notEqual(ann, annCapital);
        assert.deepEqual(await storage.addUser('ann'), { ok: false, reason: 'username_taken' });
      }));

    test('a chat lists its members in the order it was created with', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const c = await addUser(storage, 'c');
        const chat = await addChat(storage, 'trio', [c, a, b]);
        const [listed] = (await storage.chatsOfUser(a)) ?? [];
        assert.equal(listed?.id, chat);
        assert.deepEqual(listed?.users, [c, a, b]);
        assert.equal(listed?.name, 'trio');
        assert.equal(listed?.last_message_at, null);
        assert.match(listed?.created_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }));

    test('chat names are unique', () =>
      withDatabase(async (storage) => {
        const members = [await addUser(storage, 'a'), await addUser(storage, 'b')];
        await addChat(storage, 'room', members);
        assert.deepEqual(await storage.addChat('room', members), { ok: false, reason: 'name_taken' });
      }));

    test('usernames and chat names that differ only by leading or trailing spaces are distinct, kept exactly', () =>
      withDatabase(async (storage) => {
        const spaced = ['x', 'x ', ' x', ' x ', 'x  ', ' ', '  '];
        const users: string[] = [];
        for (const username of spaced) users.push(await addUser(storage, username));
        assert.equal(new Set(users).size, spaced.length);
        for (const username of spaced) {
          assert.deepEqual(await storage.addUser(username), { ok: false, reason: 'username_taken' }, `"${username}"`);
        }
        const [a, b] = users as [string, string];
        const chats = new Map<string, string>();
        for (const name of spaced) chats.set(await addChat(storage, name, [a, b]), name);
        assert.equal(chats.size, spaced.length);
        for (const name of spaced) {
          assert.deepEqual(await storage.addChat(name, [a, b]), { ok: false, reason: 'name_taken' }, `"${name}"`);
        }
        const listed = (await storage.chatsOfUser(b)) ?? [];
        assert.deepEqual(listed.map((chat) => [chat.id, chat.name]).sort(), [...chats].sort());
      }));

    test('a chat with an unknown member is refused whole: no chat, no membership', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const missing = String(BigInt(b) + 1000n);
        assert.deepEqual(await storage.addChat('room', [a, missing, b]), {
          ok: false,
          reason: 'unknown_user',
          userId: missing,
        });
        assert.deepEqual(await storage.chatsOfUser(a), []);
        assert.ok((await storage.addChat('room', [a, b])).ok, 'the name is still free');
      }));

    test('a message needs an existing chat, an existing author and membership', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const outsider = await addUser(storage, 'outsider');
        const chat = await addChat(storage, 'room', [a, b]);
        const nowhere = String(BigInt(chat) + 1000n);
        const nobody = String(BigInt(outsider) + 1000n);
        assert.deepEqual(await storage.addMessage(nowhere, a, 'x'), { ok: false, reason: 'unknown_chat' });
        assert.deepEqual(await storage.addMessage(chat, nobody, 'x'), { ok: false, reason: 'unknown_author' });
        assert.deepEqual(await storage.addMessage(chat, outsider, 'x'), { ok: false, reason: 'not_a_member' });
        assert.deepEqual(await messagesIn(storage, chat), []);
        assert.equal((await storage.chatsOfUser(a))?.[0]?.last_message_at, null);
      }));

    test('messages come back exactly as sent, with their chat, author and time', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const chat = await addChat(storage, 'room', [a, b]);
        const id = await addMessage(storage, chat, b, 'hello');
        const [message] = await messagesIn(storage, chat);
        assert.deepEqual(message, { id, chat, author: b, text: 'hello', created_at: message?.created_at });
        const [listed] = (await storage.chatsOfUser(a)) ?? [];
        assert.equal(listed?.last_message_at, message?.created_at);
      }));

    test('4-byte characters and 65,536-character texts are stored exactly', () =>
      withDatabase(async (storage) => {
        const name = '𝔘ser 🎉 ñ 中文';
        const a = await addUser(storage, name);
        const b = await addUser(storage, 'b');
        const chat = await addChat(storage, '💬 room', [a, b]);
        const longText = '𝔘'.repeat(65_536);
        const mixed = 'é\u0301 \u200d👩‍👩‍👧 \t\n"\\\'';
        await addMessage(storage, chat, a, longText);
        await addMessage(storage, chat, a, mixed);
        const texts = (await messagesIn(storage, chat)).map((message) => message.text);
        assert.deepEqual(texts, [longText, mixed]);
        assert.equal((await storage.chatsOfUser(a))?.[0]?.name, '💬 room');
        assert.deepEqual(await storage.addUser(name), { ok: false, reason: 'username_taken' });
      }));

    test('messages with equal timestamps are ordered by id', () =>
      withDatabase(
        async (storage) => {
          const a = await addUser(storage, 'a');
          const b = await addUser(storage, 'b');
          const chat = await addChat(storage, 'room', [a, b]);
          const ids: string[] = [];
          for (let i = 0; i < 5; i++) ids.push(await addMessage(storage, chat, i % 2 ? a : b, `m${i}`));
          const listed = await messagesIn(storage, chat);
          assert.deepEqual(
            listed.map((message) => message.id),
            ids,
          );
          assert.ok(listed.every((message) => message.created_at === new Date(FIXED_TIME).toISOString()));
        },
        () => FIXED_TIME,
      ));

    test('message times never go backwards within a chat, even when the clock does', () => {
      let now = FIXED_TIME;
      return withDatabase(
        async (storage) => {
          const a = await addUser(storage, 'a');
          const b = await addUser(storage, 'b');
          const chat = await addChat(storage, 'room', [a, b]);
          const first = await addMessage(storage, chat, a, 'first');
          now -= 60_000;
          const second = await addMessage(storage, chat, a, 'second');
          const listed = await messagesIn(storage, chat);
          assert.deepEqual(
            listed.map((message) => message.id),
            [first, second],
          );
          assert.equal(listed[1]?.created_at, listed[0]?.created_at);
        },
        () => now,
      );
    });

    test("a user's chats: active ones by latest message, then quiet ones by creation, ties by id, newest first", () => {
      let now = FIXED_TIME;
      return withDatabase(
        async (storage) => {
          const me = await addUser(storage, 'me');
          const you = await addUser(storage, 'you');
          const quietOld = await addChat(storage, 'quiet-old', [me, you]);
          const activeA = await addChat(storage, 'active-a', [me, you]);
          const activeB = await addChat(storage, 'active-b', [me, you]);
          now += 1000;
          const quietNew = await addChat(storage, 'quiet-new', [me, you]);
          const quietNewTwin = await addChat(storage, 'quiet-new-twin', [me, you]);
          await addChat(storage, 'not-mine', [you, await addUser(storage, 'other')]);
          now += 1000;
          await addMessage(storage, activeA, you, 'a');
          await addMessage(storage, activeB, me, 'b');
          now += 1000;
          const latest = await addChat(storage, 'latest-but-quiet', [you, me]);
          const order = (await storage.chatsOfUser(me))?.map((chat) => chat.id);
          assert.deepEqual(order, [activeB, activeA, latest, quietNewTwin, quietNew, quietOld]);
        },
        () => now,
      );
    });

    test('unknown users and chats read as undefined; known ones with nothing read as empty', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const chat = await addChat(storage, 'room', [a, b]);
        const lonely = await addUser(storage, 'lonely');
        assert.equal(await storage.chatsOfUser(String(BigInt(lonely) + 1000n)), undefined);
        assert.deepEqual(await readPage(storage, String(BigInt(chat) + 1000n), {}), {
          ok: false,
          reason: 'unknown_chat',
        });
        assert.equal(await storage.chatsOfUser('9223372036854775807'), undefined);
        assert.deepEqual(await storage.chatsOfUser(lonely), []);
        assert.deepEqual(await messagesIn(storage, chat), []);
      }));

    test('ids beyond 2^53 survive exactly', () =>
      withDatabase(async (storage, database) => {
        const floor = 2n ** 53n + 10n;
        await database.raiseIdsAbove(floor);
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const chat = await addChat(storage, 'room', [a, b]);
        const message = await addMessage(storage, chat, a, 'big');
        for (const id of [a, b, chat, message]) assert.ok(BigInt(id) > floor, `${id} > ${floor}`);
        const [listed] = (await storage.chatsOfUser(b)) ?? [];
        assert.deepEqual(listed?.users, [a, b]);
        assert.equal(listed?.id, chat);
        assert.deepEqual((await messagesIn(storage, chat))[0], {
          id: message,
          chat,
          author: a,
          text: 'big',
          created_at: (await messagesIn(storage, chat))[0]?.created_at,
        });
      }));

    test('64 concurrent writers lose nothing and double nothing', () =>
      withDatabase(async (storage) => {
        const a = await addUser(storage, 'a');
        const b = await addUser(storage, 'b');
        const chat = await addChat(storage, 'room', [a, b]);
        const outsider = await addUser(storage, 'outsider');
        const results = await Promise.all(
          Array.from({ length: 64 }, (_, i) => storage.addMessage(chat, i === 13 ? outsider : a, `m${i}`)),
        );
        assert.deepEqual(results[13], { ok: false, reason: 'not_a_member' });
        const ids = results.flatMap((result) => (result.ok ? [result.id] : []));
        assert.equal(ids.length, 63);
        assert.equal(new Set(ids).size, 63);
        const stored = await messagesIn(storage, chat);
        assert.deepEqual(stored.map((message) => message.id).sort(), [...ids].sort());
        const users = await Promise.all(Array.from({ length: 64 }, (_, i) => storage.addUser(`u${i % 32}`)));
        assert.equal(users.filter((result) => result.ok).length, 32);
      }));
  });
  pagingContract(backend);
  usersContract(backend);
  idempotencyContract(backend);
  eventsContract(backend);
  readStateContract(backend);
}
