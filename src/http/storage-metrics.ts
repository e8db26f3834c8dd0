import { Counter, Gauge, type Registry } from 'prom-client';
import type { Storage } from '../chat/storage-port.js';

/** The storage's own figures, read from it at each scrape: group-commit batches and pool use. */
export function registerStorageMetrics(registry: Registry, storage: Storage): void {
  new Counter({
    name: 'parley_storage_write_batches_total',
    help: 'Transactions committed by group commit (SQLite, PostgreSQL /messages/add); writes per batch = writes_total / batches_total',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(storage.figures().writeBatches?.committed ?? 0);
    },
  });
  new Counter({
    name: 'parley_storage_batched_writes_total',
    help: 'Writes carried by group-commit transactions (SQLite, PostgreSQL /messages/add)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(storage.figures().writeBatches?.writes ?? 0);
    },
  });
  new Gauge({
    name: 'parley_storage_pool_connections',
    help: 'Database connections of the pool (PostgreSQL, MySQL): its size, those in use, and calls waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = storage.figures().pool;
      if (pool === undefined) return;
      this.set({ state: 'size' }, pool.size);
      this.set({ state: 'in_use' }, pool.inUse);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });
}
