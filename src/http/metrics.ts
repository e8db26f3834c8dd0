import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { MetricsPage } from './schemas/operations.js';

/** What other parts of Parley report to, scraped together at GET /metrics. */
export interface Metrics {
  /** This app's registry: create gauges and histograms with `registers: [app.metrics.registry]`. */
  readonly registry: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly metrics: Metrics;
  }
}

/** Every path without a route shares one label value, so scanning for paths cannot grow the series. */
const UNKNOWN_ROUTE = 'unknown';

/** An answer from SQLite takes about a millisecond: finer at the low end than prom-client's default buckets. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

/**
 * The process figures are the same for every app in the process, and each collection starts a GC observer
 * and an event-loop monitor that prom-client offers no way to stop: one collection per process, not per app.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Counts and times every answer by method, route pattern and status; `app.metrics` is usable at once. */
export function registerMetrics(app: FastifyInstance): Metrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNKNOWN_ROUTE,
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  const metrics: Metrics = { registry };
  app.decorate('metrics', metrics);
  return metrics;
}

/** GET /metrics: the process figures and this app's, in Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, { registry }: Metrics): void {
  app.get('/metrics', { schema: MetricsPage }, async (_request, reply) => {
    const scraped = Registry.merge([processMetrics(), registry]);
    return reply.type(scraped.contentType).send(await scraped.metrics());
  });
}
