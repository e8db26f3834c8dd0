import { Type } from 'typebox';
import { problems } from './problems.js';

export const Healthz = {
  operationId: 'healthz',
  tags: ['operations'],
  summary: 'Liveness: answers while the process runs',
  response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'The process runs' }) },
};

export const Readyz = {
  operationId: 'readyz',
  tags: ['operations'],
  summary: 'Readiness: answers 200 while the database answers',
  response: {
    200: Type.Object({ status: Type.Literal('ready') }, { description: 'The database answers' }),
    ...problems({ storage_unavailable: 'the database is not reachable yet; retry shortly' }),
  },
};

export const MetricsPage = {
  operationId: 'metrics',
  tags: ['operations'],
  summary: 'Figures for Prometheus to scrape',
  description:
    'Prometheus text format: http_requests_total and http_request_duration_seconds by method, route pattern ' +
    'and status, and the process figures of the Node.js client (process_*, nodejs_*).',
  response: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: {
        'text/plain': {
          schema: Type.String({ examples: ['http_requests_total{method="POST",route="/users/add",status="201"} 1'] }),
        },
      },
    },
  },
};
