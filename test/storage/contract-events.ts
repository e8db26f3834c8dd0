import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Storage } from '../../src/chat/storage-port.js';
import type { LogEvent } from '../../src/model/log-events.js';
import type { Backend } from '../support/backends.js';
import { messagesIn } from '../support/backends.js';
import { created, withDatabase } from './contract-support.js';

/** Sequences until nothing is left to number, as the live hub does after writes. */
async function sequenceAll(storage: Storage): Promise<void> {
  while ((await storage.sequenceEvents()) > 0) {}
}

const describeEvent = (event: LogEvent) =>
  event.kind === 'chat'
    ? `chat ${event.chat.name}`
    : event.kind === 'message'
      ? `message ${event.message.text}`
      : `read ${event.read.user} to ${event.read.last_read}`;
const chatOfEvent = (event: LogEvent) =>
  event.kind === 'chat' ? event.chat.id : event.kind === 'message' ? event.message.chat : event.read.chat;

/** The event log every backend keeps for live delivery: positions in commit order, read by scope. */
export function eventsContract(backend: Backend): void {
  describe(`${backend.name} event log`, () => {
    test('every chat and message gets a position; a chat comes before its messages, each exactly once', () =>
      withDatabase(backend, async (storage) => {
        const [a, b, c] = [
          created(await storage.addUser('a')),
          created(await storage.addUser('b')),
          created(await storage.addUser('c')),
        ];
        const first = created(await storage.addChat('first', [b, a]));
        created(await storage.addMessage(first, a, 'one'));
        created(await storage.addMessage(first, b, 'two'));
        const second = created(await storage.addChat('second', [b, c]));
        created(await storage.addMessage(second, c, 'three'));
        await sequenceAll(storage);

        const events = await storage.eventsAfter(0, 'all', 100);
        // Across chats the order is the order of commit, which a backend may batch; within one it is fixed.
        const ofChat = (chat: string) => events.filter((event) => chatOfEvent(event) === chat).map(describeEvent);
        assert.equal(events.length, 5);
        assert.deepEqual(ofChat(first), ['chat first', 'message one', 'message two']);
        assert.deepEqual(ofChat(second), ['chat second', 'message three']);
        const positions = events.map((event) => event.position);
        assert.deepEqual(
          positions,
          [...new Set(positions)].sort((x, y) => x - y),
        );
        assert.equal(await storage.lastLogPosition(), positions.at(-1));
        const [chatEvent] = events;
        assert.ok(chatEvent?.kind === 'chat');
        const [listed] = (await storage.chatsOfUser(c)) ?? [];
        assert.deepEqual(chatEvent.chat, {
          id: first,
          name: 'first',
          users: [b, a],
          created_at: chatEvent.chat.created_at,
          last_message_at: null,
          last_read: null,
          unread: 0,
        });
        assert.equal(listed?.id, second);
        const messages = events.flatMap((event) => (event.kind === 'message' ? [event.message] : []));
        const stored = [...(await messagesIn(storage, first)), ...(await messagesIn(storage, second))];
        assert.deepEqual(
          messages.sort((x, y) => Number(x.id) - Number(y.id)),
          stored.sort((x, y) => Number(x.id) - Number(y.id)),
        );
      }));

    test('a scope keeps one chat, or one user’s chats and their messages, and reads after a position', () =>
      withDatabase(backend, async (storage) => {
        const [a, b, c] = [
          created(await storage.addUser('a')),
          created(await storage.addUser('b')),
          created(await storage.addUser('c')),
        ];
        const ab = created(await storage.addChat('ab', [a, b]));
        const bc = created(await storage.addChat('bc', [b, c]));
        for (const [chat, author, text] of [
          [ab, a, 'ab-1'],
          [bc, c, 'bc-1'],
          [ab, b, 'ab-2'],
          [bc, b, 'bc-2'],
        ] as const) {
          created(await storage.addMessage(chat, author, text));
        }
        await sequenceAll(storage);
        const names = async (after: number, scope: Parameters<Storage['eventsAfter']>[1], limit = 100) =>
          (await storage.eventsAfter(after, scope, limit)).map(describeEvent);

        assert.deepEqual(await names(0, { chat: ab }), ['message ab-1', 'message ab-2']);
        assert.deepEqual(await names(0, { user: a }), ['chat ab', 'message ab-1', 'message ab-2']);
        assert.deepEqual(await names(0, { user: c }), ['chat bc', 'message bc-1', 'message bc-2']);
        assert.deepEqual(await names(0, { user: b }), [
          'chat ab',
          'chat bc',
          'message ab-1',
          'message bc-1',
          'message ab-2',
          'message bc-2',
        ]);
        assert.deepEqual(await names(0, 'all', 3), ['chat ab', 'chat bc', 'message ab-1']);
        const [, , firstMessage] = await storage.eventsAfter(0, 'all', 3);
        assert.ok(firstMessage);
        assert.deepEqual(await names(firstMessage.position, { user: b }, 2), ['message bc-1', 'message ab-2']);
        assert.deepEqual(await names(await storage.lastLogPosition(), 'all'), []);
        assert.deepEqual(await names(0, { chat: String(BigInt(bc) + 1000n) }), []);
      }));

    test('a refused write takes no position', () =>
      withDatabase(backend, async (storage) => {
        const a = created(await storage.addUser('a'));
        const b = created(await storage.addUser('b'));
        const outsider = created(await storage.addUser('outsider'));
        const chat = created(await storage.addChat('room', [a, b]));
        await sequenceAll(storage);
        const before = await storage.lastLogPosition();
        assert.equal((await storage.addMessage(chat, outsider, 'no')).ok, false);
        assert.equal((await storage.addChat('room', [a, b])).ok, false);
        await sequenceAll(storage);
        assert.equal(await storage.lastLogPosition(), before);
        assert.deepEqual(await storage.eventsAfter(before, 'all', 10), []);
      }));

    test('the ids of a user’s chats are listed, and an unknown user or chat is told apart', () =>
      withDatabase(backend, async (storage) => {
        const a = created(await storage.addUser('a'));
        const b = created(await storage.addUser('b'));
        const loner = created(await storage.addUser('loner'));
        const chat = created(await storage.addChat('room', [a, b]));
        assert.deepEqual(await storage.chatIdsOfUser(a), [chat]);
        assert.deepEqual(await storage.chatIdsOfUser(loner), []);
        assert.equal(await storage.chatIdsOfUser(String(BigInt(loner) + 1000n)), undefined);
        assert.equal(await storage.chatExists(chat), true);
        assert.equal(await storage.chatExists(String(BigInt(chat) + 1000n)), false);
      }));

    test('a reader following the log while writers post to several chats misses nothing and repeats nothing', () =>
      withDatabase(backend, async (storage, database) => {
        // Where the backend is shared by processes, half the writers and the sequencing run on a second one.
        const other = database.twin?.() ?? storage;
        const members = [created(await storage.addUser('a')), created(await storage.addUser('b'))];
        const chats = [
          created(await storage.addChat('one', members)),
          created(await storage.addChat('two', members)),
          created(await storage.addChat('three', members)),
        ];
        const posted = new Set<string>();
        const writers = Array.from({ length: 4 }, async (_, writer) => {
          const own = writer % 2 === 0 ? storage : other;
          for (let i = 0; i < 30; i++) {
            const chat = chats[(writer + i) % chats.length] as string;
            posted.add(created(await own.addMessage(chat, members[i % 2] as string, `${writer}-${i}`)));
            await own.sequenceEvents();
          }
        });
        let writing = true;
        const done = Promise.all(writers).then(async () => {
          await sequenceAll(storage);
          writing = false;
        });
        const seen: LogEvent[] = [];
        let position = 0;
        for (;;) {
          const stillWriting = writing;
          const page = await (seen.length % 2 === 0 ? storage : other).eventsAfter(position, 'all', 7);
          seen.push(...page);
          position = page.at(-1)?.position ?? position;
          if (page.length === 0 && !stillWriting) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
        await done;

        const ids = seen.flatMap((event) => (event.kind === 'message' ? [event.message.id] : []));
        assert.equal(ids.length, posted.size, 'each message once');
        assert.deepEqual(new Set(ids), posted);
        for (const chat of chats) {
          const inLog = seen.flatMap((event) =>
            event.kind === 'message' && event.message.chat === chat ? [event.message.id] : [],
          );
          const stored = (await messagesIn(storage, chat)).map((message) => message.id);
          assert.deepEqual(inLog, stored, `chat ${chat} in the order of its history`);
        }
      }));
  });
}
