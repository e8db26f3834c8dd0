import { Gauge, type Registry } from 'prom-client';
import type { LiveDelivery } from '../live/live-delivery.js';

/** Live streams open in this process, by kind, read when metrics are scraped. */
export function registerLiveMetrics(registry: Registry, live: LiveDelivery): void {
  new Gauge({
    name: 'parley_live_subscribers',
    help: 'Server-sent event streams open in this process, by stream kind',
    labelNames: ['stream'],
    registers: [registry],
    collect() {
      const counts = live.counts;
      this.set({ stream: 'chat' }, counts.chat);
      this.set({ stream: 'user' }, counts.user);
    },
  });
}
