import fastJson from 'fast-json-stringify';
import { jsonArrayStream } from '../../src/http/json-array-stream.js';
import { ChatsGet } from '../../src/http/schemas/chats-get.js';
import { MessagesGet } from '../../src/http/schemas/messages-get.js';
import type { Chat, Message } from '../../src/model/entities.js';
import type { ReadName } from '../workload/read-data.js';

/** One part of answering a read, or a whole way of answering it, to be timed alone. */
export interface Step {
  read: ReadName;
  name: string;
  run(): unknown;
  /** The step gives the whole answer (a string or bytes): it must be the captured answer, byte for byte. */
  answer?: boolean;
}

/** What Fastify compiles from the response schemas of the two methods (fast-json-stringify, as it does). */
export const serializeMessages = fastJson(MessagesGet.response[200]) as (messages: Message[]) => string;
export const serializeChats = fastJson(ChatsGet.response[200]) as (chats: Chat[]) => string;

/** ms since the epoch → ISO 8601 UTC with ms, as the SQLite backend writes a time. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The answer to an unpaged history as the route streams it (jsonArrayStream over Readable.from), read whole. */
export async function streamed(chunks: readonly Message[][]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const source = (async function* () {
    for (const chunk of chunks) yield chunk;
  })();
  for await (const part of jsonArrayStream(source)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** What the stream does to each chunk, without the stream. */
export const stringifiedAndJoined = (messages: readonly Message[]) =>
  `[${messages.map((message) => JSON.stringify(message)).join(',')}]`;

/** Years 0000 to 9999, where toISOString writes `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
const LAST_PLAIN_YEAR_MS = 253_402_300_800_000;

/**
 * toISOString's exact text, with the date and minute formatted once per minute: messages of one page are
 * mostly minutes apart at most, so each costs a few string operations instead of a Date.
 */
export function minuteCachedIso(): (ms: number) => string {
  let minute = Number.NaN;
  let prefix = '';
  return (ms) => {
    if (!(ms >= 0 && ms < LAST_PLAIN_YEAR_MS)) return new Date(ms).toISOString();
    const thisMinute = Math.floor(ms / 60_000);
    if (thisMinute !== minute) {
      minute = thisMinute;
      prefix = new Date(thisMinute * 60_000).toISOString().slice(0, 17);
    }
    const rest = ms - thisMinute * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest % 1000;
    return `${prefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  };
}

/** One message's JSON as the answers write it, from its fields as text (the text escaped by JSON.stringify). */
export const messageJson = (id: string, chat: string, author: string, text: string, createdAt: string) =>
  `{"id":"${id}","chat":"${chat}","author":"${author}","text":${JSON.stringify(text)},"created_at":"${createdAt}"}`;
