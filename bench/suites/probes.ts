import { type LoadResult, runLoad } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import type { BenchDatabase } from '../support/databases.js';
import type { Server } from '../support/processes.js';
import type { CountCheck } from './add-message-targets.js';

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
  return { load, check: { expected: warmup.ok + load.ok, found }, before };
}

/**
 * Takes back the messages a write probe added (ids above `before`) and restores `last_message_at` of
 * the chats it wrote to, so that every round measures the same data. The server may stay up, idle.
 */
export async function rewindMessages(database: BenchDatabase, before: number, chats: readonly string[]): Promise<void> {
  await database.execute(`DELETE FROM messages WHERE id > ${before}`);
  await database.execute(
    `UPDATE chats SET last_message_at = (SELECT max(m.created_at) FROM messages AS m WHERE m.chat_id = chats.id)
     WHERE id IN (${chats.join(', ')})`,
  );
}

/** /messages/add bodies for one chat: its members take turns as authors. */
export function bodiesForChat(chat: string, members: readonly string[], count = 2000): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({ chat, author: members[(index * 7919) % members.length], text: `message ${index} of the probe` }),
  );
}
