import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import type { LiveDeliveryOptions } from '../../src/live/live-delivery.js';
import { composeApp } from '../../src/server.js';
import { ApiClient, assertProblem } from '../support/api.js';
import { type Backend, backends } from '../support/backends.js';
import { describeWithService } from '../support/databases.js';
import { SseClient } from '../support/sse-client.js';

/** An app on a real socket (streams need one), with its API client and base URL. */
async function startLive(t: TestContext, backend: Backend, options: LiveDeliveryOptions = {}) {
  const database = await backend.open();
  const app = composeApp({ storage: database.storage, live: options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const streams: SseClient[] = [];
  const open = async (query: string, headers: Record<string, string> = {}) => {
    const stream = await SseClient.open(`${url}/events?${query}`, headers);
    streams.push(stream);
    return stream;
  };
  t.after(async () => {
    for (const stream of streams) stream.close();
    await app.close();
    await database.close();
  });
  // Streams open, as the metrics count them.
  const streamsOpen = async () => {
    const metric = await app.metrics.registry.getSingleMetric('parley_live_subscribers')?.get();
    const count = (stream: string) => metric?.values.find((value) => value.labels.stream === stream)?.value ?? 0;
    return { chat: count('chat'), user: count('user') };
  };
  return { api: new ApiClient(app), url, open, streamsOpen, app };
}

async function room(api: ApiClient) {
  const a = await api.user('a');
  const b = await api.user('b');
  const chat = await api.chat('room', [a, b]);
  return { a, b, chat };
}

/** Waits for a condition the server reaches by itself (bounded, so that a failure does not hang). */
async function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    assert.ok(waited < 20_000, 'the condition was not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const dataOf = (stream: SseClient, kind = 'message') =>
  stream.events.filter((event) => event.event === kind).map((event) => JSON.parse(event.data));

for (const { backend, available, service } of backends) {
  describeWithService(`/events on ${backend.name}`, available, service, () => {
    test('a chat stream carries each new message exactly as /messages/get shows it, with an id', async (t) => {
      const { api, open } = await startLive(t, backend);
      const { a, b, chat } = await room(api);
      const stream = await open(`chat=${chat}`);
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
      await api.message(chat, a, 'hello');
      await api.message(chat, b, 'hi 𝔘');
      const events = await stream.waitForEvents(2);
      assert.deepEqual(
        events.map((event) => event.event),
        ['message', 'message'],
      );
      assert.ok(events.every((event) => /^[0-9]+$/.test(event.id ?? '')));
      assert.deepEqual(dataOf(stream), (await api.post('/messages/get', { chat })).body);
    });

    test('a user stream carries the chats the user joins and their messages, and nothing of other chats', async (t) => {
      const { api, open } = await startLive(t, backend);
      const { a, b, chat } = await room(api);
      const c = await api.user('c');
      const stream = await open(`user=${c}`);
      await api.message(chat, a, 'not for c');
      const joined = await api.chat('with c', [b, c]);
      await api.message(joined, b, 'for c');
      await stream.waitForEvents(2);
      assert.deepEqual(
        stream.events.map((event) => event.event),
        ['chat', 'message'],
      );
      const [listed] = (await api.post('/chats/get', { user: c })).body as Record<string, unknown>[];
      // As the chat was when c joined it: nothing posted, nothing to read.
      assert.deepEqual(dataOf(stream, 'chat'), [{ ...listed, last_message_at: null, last_read: null, unread: 0 }]);
      assert.deepEqual(
        dataOf(stream).map((message) => message.text),
        ['for c'],
      );
    });

    test("a moved read marker reaches the reader's own streams with its count, and the chat's as a receipt", async (t) => {
      const { api, open } = await startLive(t, backend);
      const { a, b, chat } = await room(api);
      const first = await api.message(chat, a, 'one');
      await api.message(chat, a, 'two');
      const own = await open(`user=${b}`);
      const others = await open(`user=${a}`);
      const receipts = await open(`chat=${chat}`);
      await api.post('/chats/read', { chat, user: b, message: first });
      await api.post('/chats/read', { chat, user: b, message: first }); // no move: no event
      await api.post('/chats/read', { chat, user: b });
      await own.until(() => dataOf(own, 'read').length === 2);
      await receipts.until(() => dataOf(receipts, 'read').length === 2);
      const last = (await api.post('/messages/get', { chat })).body as Array<{ id: string }>;
      assert.deepEqual(dataOf(own, 'read'), [
        { chat, user: b, last_read: first, unread: 1 },
        { chat, user: b, last_read: last.at(-1)?.id, unread: 0 },
      ]);
      assert.deepEqual(dataOf(receipts, 'read'), [
        { chat, user: b, last_read: first },
        { chat, user: b, last_read: last.at(-1)?.id },
      ]);
      assert.deepEqual(dataOf(others, 'read'), []);

      // Resumed from before the first move, the reader's stream gets both again, as they were.
      const firstId = own.events.find((event) => event.event === 'read')?.id as string;
      const resumed = await open(`user=${b}`, { 'last-event-id': String(Number(firstId) - 1) });
      await resumed.until(() => dataOf(resumed, 'read').length === 2);
      assert.deepEqual(dataOf(resumed, 'read'), dataOf(own, 'read'));
    });

    test('a client reconnecting with Last-Event-ID gets exactly what it missed, in order, then live ones', async (t) => {
      const { api, open } = await startLive(t, backend);
      const { a, b, chat } = await room(api);
      const first = await open(`user=${a}`);
      await api.message(chat, a, 'one');
      // The room's own event may come first: it can take its log position after the stream opened.
      await first.until(() => dataOf(first).some((message) => message.text === 'one'));
      const lastEventId = first.lastEventId as string;
      first.close();
      const other = await api.chat('other', [a, b]);
      for (const text of ['two', 'three']) await api.message(chat, b, text);
      await api.message(other, a, 'four');
      const resumed = await open(`user=${a}`, { 'last-event-id': lastEventId });
      await resumed.waitForEvents(4);
      await api.message(other, b, 'five');
      await resumed.waitForEvents(5);
      const ids = resumed.events.map((event) => Number(event.id));
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
        'ids grow',
      );
      assert.ok(ids.every((id) => id > Number(lastEventId)));
      const texts = dataOf(resumed).map((message) => message.text);
      assert.deepEqual(
        texts.filter((text) => ['two', 'three'].includes(text)),
        ['two', 'three'],
      );
      assert.deepEqual(new Set(texts), new Set(['two', 'three', 'four', 'five']));
      const chatEvent = resumed.events.findIndex((event) => event.event === 'chat');
      const four = resumed.events.findIndex(
        (event) => event.event === 'message' && JSON.parse(event.data).text === 'four',
      );
      assert.ok(chatEvent >= 0 && chatEvent < four, 'the chat comes before its messages');
    });

    test('an id too far behind, or not one the server gave, gets a reset, and the stream goes on', async (t) => {
      const { api, open } = await startLive(t, backend, { replayLimit: 3 });
      const { a, chat } = await room(api);
      const witness = await open(`chat=${chat}`);
      for (let i = 0; i < 5; i++) await api.message(chat, a, `old ${i}`);
      // Once a stream has carried them, they have their places in the log.
      await witness.waitForEvents(5);
      for (const lastEventId of ['1', 'not-an-id', '999999999']) {
        const stream = await open(`chat=${chat}`, { 'last-event-id': lastEventId });
        await stream.until(() => stream.events.some((event) => event.event === 'reset'));
        const reset = stream.events.find((event) => event.event === 'reset');
        assert.ok(reset, lastEventId);
        assert.match(reset.id ?? '', /^[0-9]+$/);
        assert.equal(typeof JSON.parse(reset.data).reason, 'string');
      }
      const stream = await open(`chat=${chat}`, { 'last-event-id': 'garbage' });
      await stream.until(() => stream.events.length === 1);
      await api.message(chat, a, 'new');
      await stream.waitForEvents(2);
      assert.deepEqual(
        dataOf(stream).map((message) => message.text),
        ['new'],
      );
    });

    test('clients that leave, even while their stream opens, leave no subscription behind', async (t) => {
      const { api, url, streamsOpen } = await startLive(t, backend);
      const { a, chat } = await room(api);
      const leaving = Array.from({ length: 20 }, (_, i) => {
        const request = http.get(`${url}/events?${i % 2 ? `user=${a}` : `chat=${chat}`}`);
        request.on('error', () => {});
        // Half leave at once, before the server has answered; the others once their stream is open.
        if (i % 4 < 2) setImmediate(() => request.destroy());
        else request.on('response', () => request.destroy());
        return request;
      });
      await eventually(() => leaving.every((request) => request.destroyed));
      await eventually(async () => {
        const open = await streamsOpen();
        return open.chat + open.user === 0;
      });
      await api.message(chat, a, 'to no one');
    });

    test('/metrics counts the open streams by kind', async (t) => {
      const { api, open, streamsOpen } = await startLive(t, backend);
      const { a, chat } = await room(api);
      await open(`chat=${chat}`);
      await open(`user=${a}`);
      await open(`user=${a}`);
      await eventually(async () => (await streamsOpen()).user === 2);
      const page = String((await api.app.inject({ method: 'GET', url: '/metrics' })).body);
      assert.match(page, /^parley_live_subscribers\{stream="chat"\} 1$/m);
      assert.match(page, /^parley_live_subscribers\{stream="user"\} 2$/m);
    });

    test('a stream of an unknown chat or user, or of neither or both, is refused with a problem', async (t) => {
      const { api, url } = await startLive(t, backend);
      const { a, chat } = await room(api);
      const refusals: [string, number, RegExp][] = [
        ['', 400, /exactly one of chat or user/],
        [`chat=${chat}&user=${a}`, 400, /exactly one of chat or user/],
        ['chat=abc', 400, /chat/],
        ['topic=1', 400, /query parameter topic is not known/],
        ['chat=1&chat=2', 400, /query parameter chat must be a string/],
        [`chat=${Number(chat) + 1000}`, 404, /chat .* does not exist/],
        [`user=${Number(a) + 1000}`, 404, /user .* does not exist/],
        ['chat=99999999999999999999', 404, /does not exist/],
      ];
      for (const [query, status, detail] of refusals) {
        const stream = await SseClient.open(`${url}/events?${query}`);
        const answer = { status: stream.status, headers: stream.headers, body: JSON.parse(await stream.body) };
        assertProblem(answer, status, detail);
      }
      const post = await api.post(`/events?chat=${chat}`, {});
      assertProblem(post, 405, /takes GET/);
      assert.equal(post.headers.allow, 'GET');
    });

    test('a client that stops reading is dropped, and the server keeps serving', async (t) => {
      const { api, open, streamsOpen, app } = await startLive(t, backend);
      const { a, chat } = await room(api);
      const slow = await open(`chat=${chat}`);
      slow.pause();
      const text = 'x'.repeat(60_000);
      // Far more than the stream may leave unread (1 MiB) plus what the sockets hold.
      for (let i = 0; i < 100 && (await streamsOpen()).chat > 0; i++) {
        await Promise.all(Array.from({ length: 5 }, () => api.message(chat, a, text)));
      }
      await eventually(async () => (await streamsOpen()).chat === 0);
      // The server let go of the connection itself (the API client talks in-process, without sockets).
      let connections = -1;
      await eventually(() => {
        app.server.getConnections((_, count) => {
          connections = count;
        });
        return connections === 0;
      });
      const fresh = await open(`chat=${chat}`);
      await api.message(chat, a, 'still here');
      await fresh.until(() => dataOf(fresh).some((message) => message.text === 'still here'));
    });
  });
}
