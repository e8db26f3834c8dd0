import { writeFileSync } from 'node:fs';
import type { ReadRequest } from '../workload/read-data.js';

/** What a server answered to one read: the bare server is given these bytes to answer in turn. */
export interface ReadAnswer {
  read: ReadRequest;
  contentType: string;
  bytes: Buffer;
  /** Messages (or chats) in the answer. */
  items: number;
}

/** Asks `url` each read once and keeps its answer exactly; anything but a 200 with a JSON array throws. */
export async function captureAnswers(url: string, reads: readonly ReadRequest[]): Promise<ReadAnswer[]> {
  const answers: ReadAnswer[] = [];
  for (const read of reads) {
    const { status, contentType, bytes } = await ask(url, read);
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (status !== 200 || !Array.isArray(parsed)) {
      throw new Error(`${read.path} ${read.body} answered ${status}: ${bytes.toString('utf8').slice(0, 200)}`);
    }
    answers.push({ read, contentType, bytes, items: parsed.length });
  }
  return answers;
}

/** The file bench/read-ceiling-server.ts serves from. */
export function writeAnswers(file: string, answers: readonly ReadAnswer[]): void {
  const entries = answers.map(({ read, contentType, bytes }) => ({
    body: read.body,
    contentType,
    answer: bytes.toString('base64'),
  }));
  writeFileSync(file, JSON.stringify(entries));
}

/**
 * Throws unless `url` answers every read with exactly the captured bytes and Content-Type: the bare
 * server must answer what Parley does, and Parley must still answer what it answered when captured
 * (another build of it, too).
 */
export async function checkSameAnswers(url: string, answers: readonly ReadAnswer[], who: string): Promise<void> {
  for (const { read, contentType, bytes } of answers) {
    const got = await ask(url, read);
    if (got.status !== 200 || got.contentType !== contentType || !got.bytes.equals(bytes)) {
      const at = firstDifference(got.bytes, bytes);
      throw new Error(
        `${who} answered ${read.path} ${read.body} with ${got.status} ${got.contentType}, ${got.bytes.length} bytes ` +
          `against ${contentType}, ${bytes.length} bytes captured; first difference at byte ${at}: ` +
          `${JSON.stringify(got.bytes.subarray(at, at + 60).toString())} ≠ ${JSON.stringify(bytes.subarray(at, at + 60).toString())}`,
      );
    }
  }
}

async function ask(url: string, read: ReadRequest): Promise<{ status: number; contentType: string; bytes: Buffer }> {
  const response = await fetch(`${url}${read.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: read.body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', bytes };
}

function firstDifference(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return index;
  return length;
}
