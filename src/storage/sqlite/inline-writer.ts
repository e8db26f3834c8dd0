import type { Database } from 'better-sqlite3';
import { WriteBatch } from './write-batch.js';
import type { Writer } from './writer.js';
import { outcomeOf, SqliteWrites, type WriteCommand, type WriteOutcome } from './writes.js';

/**
 * Writes on the connection that also reads, on this thread. For an in-memory database, which only its
 * own connection can see: a file database writes on a thread of its own (ThreadWriter).
 */
export class InlineWriter implements Writer {
  private readonly batch: WriteBatch;
  private readonly writes: SqliteWrites;

  constructor(db: Database) {
    this.batch = new WriteBatch(db);
    this.writes = new SqliteWrites(db);
  }

  async ready(): Promise<void> {}

  write(command: WriteCommand): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.batch.enqueue(
        () => this.writes.apply(command),
        (failed, outcome) => resolve(outcomeOf(failed, outcome)),
      );
    });
  }

  committed() {
    return { ...this.batch.committed };
  }

  async close(): Promise<void> {
    this.batch.drain();
  }
}
