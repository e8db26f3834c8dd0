import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RawConnection } from './raw-http.js';

/** What a running server says of itself on /metrics. */
export interface ServerFigures {
  /** Its open TCP connections, the one that read this included. */
  connections: number;
  /** The longest its event loop was held up since it was last read, in ms. */
  lagMs: number;
}

/** Reads the server's /metrics on a connection of its own, closed afterwards. */
export async function readServerFigures(port: number): Promise<ServerFigures> {
  const connection = await RawConnection.connect(port);
  try {
    const { status, body } = await connection.send('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(status, 200, body);
    const connections = /^nodejs_active_resources\{type="TCPSocketWrap"\} (\d+)/m.exec(body)?.[1];
    const lag = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)/m.exec(body)?.[1];
    assert.ok(connections !== undefined && lag !== undefined, 'the server reports its connections and its lag');
    return { connections: Number(connections), lagMs: Number(lag) * 1000 };
  } finally {
    connection.destroy();
  }
}

/**
 * The server's figures, and how late the test and the server ran at worst: on two shared cores, a process
 * that cannot run closes nothing and notices nothing on time. The server's lag covers the time since it was
 * last read, so reading it often keeps the worst one.
 */
export class ServerWatch {
  private readonly own = monitorEventLoopDelay({ resolution: 10 });
  worstLagMs = 0;

  constructor(private readonly port: number) {
    this.own.enable();
  }

  /** The server's open TCP connections now (this reading's own included). */
  async connections(): Promise<number> {
    const figures = await readServerFigures(this.port);
    this.worstLagMs = Math.max(this.worstLagMs, figures.lagMs + this.own.max / 1e6);
    this.own.reset();
    return figures.connections;
  }

  stop(): void {
    this.own.disable();
  }
}
