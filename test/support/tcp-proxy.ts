import net from 'node:net';

/**
 * A TCP proxy a test owns, to cut the road to a shared database without touching the database:
 * `cut()` drops every open connection and refuses new ones; `restore()` lets them through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  private readonly server: net.Server;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(targetHost: string, targetPort: number, options: { open?: boolean } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    proxy.open = options.open ?? true;
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  }
}
