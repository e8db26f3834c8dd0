import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryReader, runOf } from '../../src/chat/history-pages.js';
import type { MessageRun, MessageRunResult, Storage } from '../../src/chat/storage-port.js';
import type { Message } from '../../src/model/entities.js';
import { ParleyError } from '../../src/model/errors.js';

test('each page is read by the run that walks from its anchor', () => {
  assert.deepEqual(runOf({ after: '5', limit: 10 }), { direction: 'forward', from: '5', limit: 10 });
  assert.deepEqual(runOf({ before: '5', limit: 10 }), { direction: 'backward', from: '5', limit: 10 });
  assert.deepEqual(runOf({ limit: 10 }), { direction: 'backward', limit: 10 });
  assert.deepEqual(runOf({ limit: 10, fromStart: true }), { direction: 'forward', limit: 10 });
  assert.deepEqual(runOf({}), { direction: 'forward', limit: undefined });
});

/** A history of `count` messages of chat 1 (ids 1..count), read as a backend would read runs of it. */
function historyOf(count: number): Pick<Storage, 'messageRun'> & { runs: MessageRun[] } {
  const all: Message[] = Array.from({ length: count }, (_, index) => ({
    id: String(index + 1),
    chat: '1',
    author: '1',
    text: `m${index + 1}`,
    created_at: new Date(index).toISOString(),
  }));
  const runs: MessageRun[] = [];
  return {
    runs,
    async messageRun(chatId, run): Promise<MessageRunResult> {
      runs.push(run);
      if (chatId !== '1') return { ok: false, reason: 'unknown_chat' };
      const from = run.from === undefined ? undefined : Number(run.from);
      if (from !== undefined && (from < 1 || from > count)) return { ok: false, reason: 'unknown_message' };
      const side =
        run.direction === 'forward'
          ? all.filter((message) => from === undefined || Number(message.id) > from)
          : all.filter((message) => from === undefined || Number(message.id) < from).reverse();
      return { ok: true, messages: side.slice(0, run.limit ?? side.length) };
    },
  };
}

const reader = (storage: Pick<Storage, 'messageRun'>, side: 'before' | 'after', anchor?: string) =>
  new HistoryReader(storage as Storage, '1', side, anchor);
const ids = (messages: Message[]) => messages.map((message) => Number(message.id));

async function collect(pages: Message[] | AsyncIterable<Message[]>): Promise<number[]> {
  if (Array.isArray(pages)) return ids(pages);
  const all: number[] = [];
  for await (const chunk of pages) all.push(...ids(chunk));
  return all;
}

test('a page read backwards comes back oldest first', async () => {
  assert.deepEqual(ids(await reader(historyOf(10), 'after').page({ limit: 3 })), [8, 9, 10]);
  assert.deepEqual(ids(await reader(historyOf(10), 'before', '5').page({ before: '5', limit: 3 })), [2, 3, 4]);
});

test('a whole history is read in chunks of 1000, stopping before a `before` anchor', async () => {
  const storage = historyOf(2500);
  assert.deepEqual(
    await collect(await reader(storage, 'after').whole()),
    Array.from({ length: 2500 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    storage.runs.map((run) => run.limit),
    [1000, 1000, 1000],
  );
  assert.deepEqual(
    await collect(await reader(historyOf(2500), 'before', '1500').whole()),
    Array.from({ length: 1499 }, (_, i) => i + 1),
  );
});

test('a short history is answered whole, without chunks', async () => {
  assert.ok(Array.isArray(await reader(historyOf(3), 'after').whole()));
});

test('an unknown chat is a 404 and an unknown anchor a 400 naming its side', async () => {
  const unknownChat = new HistoryReader(historyOf(3) as unknown as Storage, '2', 'after', undefined);
  await assert.rejects(
    unknownChat.page({ limit: 1 }),
    (error) => error instanceof ParleyError && error.code === 'not_found',
  );
  await assert.rejects(
    reader(historyOf(3), 'before', '9').page({ before: '9', limit: 1 }),
    (error) =>
      error instanceof ParleyError && error.code === 'invalid_request' && /^before: message 9/.test(error.detail),
  );
});
