import type { Database, Statement } from 'better-sqlite3';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface PendingWrite {
  run: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write submitted during one turn of the event loop runs in a single transaction
 * that is committed (and fsynced) once. Each write has its own savepoint, so one that fails is rolled
 * back alone and its neighbours still commit. A lone write is committed on the same turn, so an idle
 * server adds no waiting. Promises settle only after COMMIT returns, when the data is on disk.
 */
export class WriteBatch {
  private pending: PendingWrite[] = [];
  /** Batches committed and the writes they carried, for metrics. */
  readonly committed = { batches: 0, writes: 0 };
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackToSavepoint: Statement;

  constructor(
    private readonly db: Database,
    private readonly onCommit: (size: number) => void = () => {},
  ) {
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO write');
  }

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commit());
      this.pending.push({ run, resolve: resolve as (value: never) => void, reject });
    });
  }

  /** Commits what is queued now, instead of on the next turn (used when closing). */
  drain(): void {
    this.commit();
  }

  private commit(): void {
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      outcomes = writes.map((write) => this.runInSavepoint(write.run));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const write of writes) write.reject(error);
      return;
    }
    this.committed.batches += 1;
    this.committed.writes += writes.length;
    this.onCommit(writes.length);
    outcomes.forEach((outcome, index) => {
      const write = writes[index] as PendingWrite;
      if (outcome.ok) write.resolve(outcome.value as never);
      else write.reject(outcome.error);
    });
  }

  private runInSavepoint(run: () => unknown): Outcome {
    this.savepoint.run();
    try {
      const value = run();
      this.release.run();
      return { ok: true, value };
    } catch (error) {
      this.rollbackToSavepoint.run();
      this.release.run();
      return { ok: false, error };
    }
  }
}
