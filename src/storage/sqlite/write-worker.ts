import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteDatabase } from './open-database.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './thread-writer.js';
import { WriteBatch } from './write-batch.js';
import { outcomeOf, SqliteWrites, type WriteOutcome } from './writes.js';

/**
 * The writer's thread (see ThreadWriter): the only connection that writes. Writes that arrive while a
 * batch commits wait in the message queue and form the next batch; each batch's outcomes go back in one
 * message, right after its COMMIT.
 */
const port = parentPort;
if (!port) throw new Error('write-worker runs as a worker thread');

const db = openSqliteDatabase((workerData as WriterThreadData).file);
const batch = new WriteBatch(db);
const writes = new SqliteWrites(db);
let outcomes: [number, WriteOutcome][] = [];
port.postMessage({ ready: true } satisfies WriterReply);

const reply = () => {
  if (outcomes.length === 0) return;
  port.postMessage({ outcomes, committed: batch.committed } satisfies WriterReply);
  outcomes = [];
};

port.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    batch.drain();
    reply();
    db.close();
    // Ends this thread only; whatever a loader left listening in it must not keep it alive.
    process.exit(0);
  }
  for (const [seq, command] of request.commands) {
    batch.enqueue(
      () => writes.apply(command),
      (failed, outcome) => {
        // Every write of a batch settles in one loop, right after its COMMIT: one reply carries them all.
        if (outcomes.length === 0) process.nextTick(reply);
        outcomes.push([seq, outcomeOf(failed, outcome)]);
      },
    );
  }
});
