import { readFileSync } from 'node:fs';
import { type LoadResult, runLoad } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { type CountCheck, countCheck } from '../support/count-check.js';
import type { BenchDatabase } from '../support/databases.js';
import type { Server } from '../support/processes.js';

/** Unloaded latency: one connection asking the same thing again and again, after a short warm-up. */
export async function latencyProbe(
  server: Server,
  path: string,
  body: unknown,
  settings: BenchSettings,
): Promise<LoadResult> {
  const spec = { url: server.url, path, bodies: [JSON.stringify(body)], connections: 1, watch: [server.pid] };
  await runLoad({ ...spec, seconds: Math.min(1, settings.warmup) });
  const result = await runLoad({ ...spec, seconds: settings.probeDuration });
  if (result.ok !== result.answered)
    throw new Error(`${path} ${JSON.stringify(body)} answered ${JSON.stringify(result.statuses)}`);
  return result;
}

export interface WriteProbe {
  load: LoadResult;
  check: CountCheck;
}

/**
 * /messages/add at full concurrency, then the rows it added counted straight from the database: every
 * message above the highest id seen before. The runs are drained (every request answered) and a 2xx
 * means committed, so the count is exact with the server still up. Returns that id too, so that the
 * caller may take the messages back out (see rewindMessages).
 */
export async function writeProbe(
  server: Server,
  database: BenchDatabase,
  bodies: readonly string[],
  settings: BenchSettings,
): Promise<WriteProbe & { before: number }> {
  const before = await database.scalar('SELECT COALESCE(max(id), 0) FROM messages');
  const spec = {
    url: server.url,
    path: '/messages/add',
    bodies,
    connections: settings.connections,
    watch: [server.pid],
  };
  const warmup = await runLoad({ ...spec, seconds: settings.warmup });
  const load = await runLoad({ ...spec, seconds: settings.duration });
  const found = await database.scalar(`SELECT count(*) FROM messages WHERE id > ${before}`);
  return { load, check: countCheck(found, warmup, load), before };
}

/**
 * Takes back the messages a write probe added (ids above `before`) and restores `last_message_at` of
 * the chats it wrote to, so that every round measures the same data. The server may stay up, idle.
 */
export async function rewindMessages(database: BenchDatabase, before: number, chats: readonly string[]): Promise<void> {
  await database.execute(`DELETE FROM messages WHERE id > ${before}`);
  await database.execute(
    `UPDATE chats SET last_message_at = (SELECT max(m.created_at) FROM messages AS m WHERE m.chat_id = chats.id),
                      last_seq = COALESCE((SELECT max(m.seq) FROM messages AS m WHERE m.chat_id = chats.id), 0)
     WHERE id IN (${chats.join(', ')})`,
  );
  // Markers the probe moved (its authors', its readers') go back to nothing read, as generated.
  await database.execute(
    `UPDATE chat_members SET last_read_seq = 0, last_read_id = NULL WHERE chat_id IN (${chats.join(', ')})`,
  );
}

/** /chats/read at full concurrency: each of the chats' members marking the chat read, in turn. */
export async function markReadProbe(
  server: Server,
  chats: readonly { chat: string; members: readonly string[] }[],
  settings: BenchSettings,
): Promise<LoadResult> {
  const bodies = chats.flatMap(({ chat, members }) => members.map((user) => JSON.stringify({ chat, user })));
  const spec = { url: server.url, path: '/chats/read', bodies, connections: settings.connections, watch: [server.pid] };
  await runLoad({ ...spec, seconds: settings.warmup });
  const result = await runLoad({ ...spec, seconds: settings.duration });
  if (result.ok !== result.answered) throw new Error(`/chats/read answered ${JSON.stringify(result.statuses)}`);
  return result;
}

/** /messages/add bodies for one chat: its members take turns as authors. */
export function bodiesForChat(chat: string, members: readonly string[], count = 2000): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({ chat, author: members[(index * 7919) % members.length], text: `message ${index} of the probe` }),
  );
}

/** One unpaged read of a whole history, and the server's memory while it was answered. */
export interface HistoryProbe {
  /** Resident memory of the server just before the request, in MiB. */
  rssBefore: number;
  /** The most it held while answering (sampled every 10 ms), in MiB. */
  rssPeak: number;
  status: number;
  messages: number;
  bytes: number;
  seconds: number;
}

/** Resident memory of a process, in MiB, from /proc (Linux); 0 once it is gone. */
function rssMiB(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib) / 1024;
  } catch {
    return 0;
  }
}

/**
 * POST /messages/get of a whole chat (no `limit`), read as fast as this process can, while the server's
 * resident memory is sampled: whether a long history is streamed or held whole. The answer is counted as
 * it arrives (one `"created_at":` per message), never held or parsed here.
 */
export async function historyProbe(server: Server, chat: string): Promise<HistoryProbe> {
  const rssBefore = rssMiB(server.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMiB(server.pid));
  }, 10);
  const started = performance.now();
  try {
    const response = await fetch(`${server.url}/messages/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat }),
    });
    const marker = '"created_at":';
    let messages = 0;
    let bytes = 0;
    let tail = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      bytes += chunk.byteLength;
      const text = tail + decoder.decode(chunk, { stream: true });
      for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length)) messages++;
      // A marker cut in two by a chunk boundary is found whole in the next round; the kept tail is too short to
      // hold a whole one, and the marker overlaps no shifted copy of itself, so none is counted twice.
      tail = text.slice(Math.max(0, text.length - (marker.length - 1)));
    }
    rssPeak = Math.max(rssPeak, rssMiB(server.pid));
    return {
      rssBefore,
      rssPeak,
      status: response.status,
      messages,
      bytes,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearInterval(sampler);
  }
}
