import http from 'node:http';

/**
 * Many server-sent event streams held by this process, recording when each message event arrives.
 * Parsing is kept to finding each event's message id: the figure is the server's, not this client's.
 */
export class Subscribers {
  private readonly requests: http.ClientRequest[] = [];
  /** For each message id, the arrival times (ms, performance.now()) on each stream that got it. */
  readonly arrivals = new Map<string, number[]>();
  private readonly agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

  /** Opens `count` streams of `/events?<query>` at `url`, `batch` at a time; resolves once all are open. */
  async open(url: string, query: string, count: number, batch = 100): Promise<void> {
    for (let opened = 0; opened < count; opened += batch) {
      const size = Math.min(batch, count - opened);
      await Promise.all(Array.from({ length: size }, () => this.openOne(`${url}/events?${query}`)));
    }
  }

  close(): void {
    for (const request of this.requests) request.destroy();
    this.agent.destroy();
  }

  private openOne(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { agent: this.agent }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`GET ${url} answered ${response.statusCode}`));
          return;
        }
        response.setEncoding('utf8');
        let pending = '';
        response.on('data', (chunk: string) => {
          const now = performance.now();
          pending += chunk;
          let end = pending.indexOf('\n\n');
          while (end >= 0) {
            this.record(pending.slice(0, end), now);
            pending = pending.slice(end + 2);
            end = pending.indexOf('\n\n');
          }
        });
        // The first bytes (a comment) say the stream is open.
        response.once('data', () => resolve());
      });
      request.on('error', reject);
      this.requests.push(request);
    });
  }

  private record(block: string, now: number): void {
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (!data || !block.includes('event: message')) return;
    const id = /"id":"([0-9]+)"/.exec(data)?.[1];
    if (id === undefined) return;
    const times = this.arrivals.get(id) ?? [];
    times.push(now);
    this.arrivals.set(id, times);
  }
}
