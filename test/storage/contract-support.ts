import assert from 'node:assert/strict';
import type { Clock, Storage } from '../../src/chat/storage-port.js';
import type { Backend, TestDatabase } from '../support/backends.js';

/** Runs a contract test on a fresh database of the backend, closing it afterwards. */
export async function withDatabase(
  backend: Backend,
  run: (storage: Storage, database: TestDatabase) => Promise<void>,
  clock?: Clock,
): Promise<void> {
  const database = await backend.open(clock);
  try {
    await run(database.storage, database);
  } finally {
    await database.close();
  }
}

/** The id of a write that must have succeeded. */
export function created(result: { ok: true; id: string } | { ok: false; reason: string }): string {
  assert.ok(result.ok, `expected a creation, got ${JSON.stringify(result)}`);
  return result.id;
}
