import { Worker } from 'node:worker_threads';
import type { ThreadStarter } from '../../src/storage/sqlite/thread-writer.js';

/**
 * Starts a thread on a TypeScript module. The tests run the sources through tsx, whose loader does not
 * reach worker threads on Node 20: the thread registers it before importing its module.
 */
export const startSourceThread: ThreadStarter = (entry, options) =>
  new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`,
    { ...options, eval: true },
  );
