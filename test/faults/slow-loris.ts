import { RawConnection } from '../support/raw-http.js';

/** Trickling its headers, trickling its body, or sending nothing at all. */
export type SlowKind = 'headers' | 'body' | 'silent';

const KINDS: readonly SlowKind[] = ['headers', 'body', 'silent'];

export interface SlowClient {
  readonly kind: SlowKind;
  readonly connection: RawConnection;
  /** `slow-<kind>-<n>`, the user its request adds if the server ever handles it (a silent one asks nothing). */
  readonly name: string;
  /** Whether it got its whole request out before the server answered or closed (a silent one never does). */
  readonly sentWhole: Promise<boolean>;
}

export interface SlowOptions {
  /** Clients of each kind. */
  perKind: number;
  /** The time between two bytes of a trickle. */
  everyMs: number;
  /** How many bytes a trickle takes: the padding of a header, or the body. */
  bytes: number;
}

const USERS_ADD = 'POST /users/add HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n';

/**
 * Slow-loris clients, each on a connection of its own: some trickle the headers of a request that would add a
 * user, a byte at a time, then send its body at once; some send those headers at once and trickle the body
 * (JSON padded with spaces); some send nothing. Each request names a user of its own, so that a test can
 * tell whether the server ever handled it.
 */
export class SlowCrowd {
  readonly clients: SlowClient[] = [];
  /** Connections that could not be opened. */
  readonly errors: unknown[] = [];
  private replacing = false;
  private readonly opening = new Set<Promise<void>>();
  private serial = 0;
  private openNow = 0;

  constructor(
    private readonly port: number,
    private readonly options: SlowOptions,
  ) {}

  /**
   * Opens `perKind` clients of each kind. With `replace`, each client the server closes is replaced by a new
   * one of its kind until `stopReplacing`, so that slow clients are held however long the load around them
   * takes.
   */
  async start({ replace = false } = {}): Promise<void> {
    this.replacing = replace;
    await Promise.all(KINDS.flatMap((kind) => Array.from({ length: this.options.perKind }, () => this.add(kind))));
  }

  /** Opens no more clients; resolves once those being opened are. */
  async stopReplacing(): Promise<void> {
    this.replacing = false;
    await Promise.all(this.opening);
  }

  of(kind: SlowKind): SlowClient[] {
    return this.clients.filter((client) => client.kind === kind);
  }

  /** How many clients are open now, as the clients see it. */
  get open(): number {
    return this.openNow;
  }

  private async add(kind: SlowKind): Promise<void> {
    const connection = await RawConnection.connect(this.port);
    this.clients.push(this.begin(kind, connection));
    this.openNow++;
    void connection.closed.then(() => {
      this.openNow--;
      if (!this.replacing) return;
      const opening = this.add(kind).catch((error: unknown) => {
        this.errors.push(error);
      });
      this.opening.add(opening);
      void opening.finally(() => this.opening.delete(opening));
    });
  }

  private begin(kind: SlowKind, connection: RawConnection): SlowClient {
    const { everyMs, bytes } = this.options;
    const name = `slow-${kind}-${++this.serial}`;
    if (kind === 'silent') return { kind, connection, name, sentWhole: Promise.resolve(false) };
    if (kind === 'headers') {
      const body = JSON.stringify({ username: name });
      connection.write(`${USERS_ADD}Content-Length: ${body.length}\r\n`);
      const sentWhole = connection.trickle(`X-Slow: ${'a'.repeat(bytes)}\r\n\r\n`, everyMs).then((sent) => {
        if (sent) connection.write(body);
        return sent;
      });
      return { kind, connection, name, sentWhole };
    }
    const start = `{"username":"${name}"`;
    const body = `${start}${' '.repeat(Math.max(0, bytes - start.length - 1))}}`;
    connection.write(`${USERS_ADD}Content-Length: ${body.length}\r\n\r\n`);
    return { kind, connection, name, sentWhole: connection.trickle(body, everyMs) };
  }
}
