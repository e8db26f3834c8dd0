import type { WriteCommand, WriteOutcome } from './writes.js';

/** Where the SQLite backend's writes run: the only connection that writes, behind a group commit. */
export interface Writer {
  /** Resolves once the writer can write (its connection is open); rejects as unavailable if it cannot. */
  ready(): Promise<void>;
  /** Settles once the write is durable (or refused, or failed); rejects only when the writer is gone. */
  write(command: WriteCommand): Promise<WriteOutcome>;
  /** Group commits so far, and the writes they carried. */
  committed(): { batches: number; writes: number };
  /** Lets the writes already submitted finish, then closes the writer's connection. */
  close(): Promise<void>;
}
