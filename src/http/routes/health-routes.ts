import type { FastifyInstance } from 'fastify';
import type { Storage } from '../../chat/storage-port.js';

/** Probes for orchestrators: alive while the process runs; ready while the database answers. */
export function registerHealthRoutes(app: FastifyInstance, storage: Storage): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    await storage.ping();
    return { status: 'ready' };
  });
}
