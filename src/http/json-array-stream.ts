import { Readable } from 'node:stream';

/**
 * A JSON array written as its items arrive, chunk by chunk: the answer to a whole long history never
 * sits in memory at once, and a slow reader holds back the reading (the stream's backpressure).
 */
export function jsonArrayStream(chunks: AsyncIterable<readonly unknown[]>): Readable {
  return Readable.from(
    (async function* () {
      yield '[';
      let separator = '';
      for await (const chunk of chunks) {
        if (chunk.length === 0) continue;
        yield separator + chunk.map((item) => JSON.stringify(item)).join(',');
        separator = ',';
      }
      yield ']';
    })(),
    { objectMode: false },
  );
}
