import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forgetExpiredKeys, KEY_RETENTION_MS } from '../../src/storage/key-janitor.js';
import { sqlite } from '../support/backends.js';

test('keys older than a day are forgotten in batches, younger ones kept', async () => {
  let now = Date.UTC(2026, 0, 1);
  const database = await sqlite.open(() => now);
  try {
    const { storage } = database;
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) => storage.addUser(`old${i}`, { key: `old${i}`, fingerprint: 'f' })),
    );
    now += KEY_RETENTION_MS - 1000;
    const young = await storage.addUser('young', { key: 'young', fingerprint: 'f' });
    now += 2000;
    assert.equal(await forgetExpiredKeys(storage, now), 2500);
    assert.deepEqual(await storage.addUser('young', { key: 'young', fingerprint: 'f' }), young);
    const reused = await storage.addUser('old0-again', { key: 'old0', fingerprint: 'other' });
    assert.equal(reused.ok, true, 'a forgotten key is free again');
  } finally {
    await database.close();
  }
});
