import net from 'node:net';

/**
 * A TCP proxy a test owns, to cut the road to a shared database without touching the database:
 * `cut()` drops every open connection and refuses new ones; `restore()` lets them through again.
 * `stall()` is a network partition instead: nothing is dropped, but no byte gets through either way and
 * new connections wait unanswered, until `heal()` lets everything held flow on.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly pipes = new Set<readonly [net.Socket, net.Socket]>();
  private held: net.Socket[] = [];
  private stalled = false;
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

  stall(): void {
    this.stalled = true;
    for (const [from, to] of this.pipes) {
      from.unpipe(to);
      from.pause();
    }
  }

  heal(): void {
    this.stalled = false;
    for (const [from, to] of this.pipes) if (!from.destroyed && !to.destroyed) from.pipe(to);
    const held = this.held;
    this.held = [];
    for (const client of held) if (!client.destroyed) this.accept(client);
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
    if (this.stalled) {
      client.pause();
      client.on('error', () => {});
      this.sockets.add(client);
      this.held.push(client);
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const pipe of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      const [from, to] = pipe;
      this.sockets.add(from);
      this.pipes.add(pipe);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        this.pipes.delete(pipe);
        to.destroy();
      });
      from.pipe(to);
    }
  }
}
