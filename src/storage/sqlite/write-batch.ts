import type { Database, Statement } from 'better-sqlite3';

/** Told once a write's batch has committed (or failed): what the write returned, or what it threw. */
export type Settle = (failed: boolean, outcome: unknown) => void;

interface PendingWrite {
  run: () => unknown;
  settle: Settle;
  /** Set once the write has run in its savepoint: what it returned, or what it threw. */
  failed: boolean;
  outcome: unknown;
}

/**
 * Group commit: every write submitted during one turn of the event loop runs in a single transaction
 * that is committed (and fsynced) once. Each write has its own savepoint, so one that fails is rolled
 * back alone and its neighbours still commit. A lone write is committed on the same turn, so an idle
 * server adds no waiting. Writes settle only after COMMIT returns, when the data is on disk.
 */
export class WriteBatch {
  private pending: PendingWrite[] = [];
  /** Batches committed and the writes they carried, for metrics. */
  readonly committed = { batches: 0, writes: 0 };
  // Prepared once: the statements of every batch and every write, never parsed again.
  private readonly begin: Statement;
  private readonly commitStatement: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackToSavepoint: Statement;
  private readonly commitPending = () => this.commit();

  constructor(
    private readonly db: Database,
    private readonly onCommit: (size: number) => void = () => {},
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commitStatement = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO write');
  }

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(run, (failed, outcome) => (failed ? reject(outcome) : resolve(outcome as T)));
    });
  }

  /** As `submit`, told through a callback: settled in the turn that commits, with no promise to wait for. */
  enqueue(run: () => unknown, settle: Settle): void {
    if (this.pending.length === 0) setImmediate(this.commitPending);
    this.pending.push({ run, settle, failed: false, outcome: undefined });
  }

  /** Commits what is queued now, instead of on the next turn (used when closing). */
  drain(): void {
    this.commit();
  }

  private commit(): void {
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    try {
      this.begin.run();
      for (const write of writes) this.runInSavepoint(write);
      this.commitStatement.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const write of writes) write.settle(true, error);
      return;
    }
    this.committed.batches += 1;
    this.committed.writes += writes.length;
    this.onCommit(writes.length);
    for (const write of writes) write.settle(write.failed, write.outcome);
  }

  private runInSavepoint(write: PendingWrite): void {
    this.savepoint.run();
    try {
      write.outcome = write.run();
      this.release.run();
    } catch (error) {
      this.rollbackToSavepoint.run();
      this.release.run();
      write.failed = true;
      write.outcome = error;
    }
  }
}
