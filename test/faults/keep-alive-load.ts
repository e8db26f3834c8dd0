import { sleep } from '../support/faults.js';
import { type RawAnswer, RawConnection } from '../support/raw-http.js';
import type { ChatServer } from './chat-server.js';

export interface LoadOptions {
  clients: number;
  /** A client waits this long between an answer and its next request, at random in between. */
  gapMs: { min: number; max: number };
  random: () => number;
  /** Called on each answer read, right or wrong. */
  onAnswer?: () => void;
}

/** Opened at most this many at a time, so that the listen backlog (511) never overflows. */
const OPENING_BATCH = 100;

/**
 * Well-behaved clients, each on a keep-alive connection of its own, asking again and again: one request in
 * five posts a message (the second, so that every client writes; its text no other request sends), the
 * others ask for the chat list of the client's user. Each answer is checked: a 200 listing the chat, or a
 * 201 with an id.
 */
export class KeepAliveLoad {
  readonly connections: RawConnection[] = [];
  /** Requests each client sent. */
  readonly sent: number[] = [];
  answers = 0;
  /** What went wrong: a wrong answer, or a connection lost. */
  readonly failures: string[] = [];
  /** Text → id of each message answered 201. */
  readonly written = new Map<string, string>();
  private readonly loops: Promise<void>[] = [];
  /** Once finishing: how many requests each client sends in all. */
  private quotas: number[] | undefined;
  private firstAnswers = 0;
  private allAnswered: () => void = () => {};

  constructor(
    private readonly server: ChatServer,
    private readonly options: LoadOptions,
  ) {}

  /**
   * Opens the connections; each client asks as soon as its connection is open, and keeps asking. Resolves
   * once every client had its first answer (or lost its connection), so that all are open at once then.
   */
  async start(): Promise<void> {
    const { clients } = this.options;
    const answered = new Promise<void>((resolve) => {
      this.allAnswered = resolve;
    });
    while (this.connections.length < clients) {
      const batch = Math.min(OPENING_BATCH, clients - this.connections.length);
      const opened = await Promise.all(Array.from({ length: batch }, () => RawConnection.connect(this.server.port)));
      for (const connection of opened) {
        this.sent.push(0);
        this.loops.push(this.run(connection, this.connections.push(connection) - 1));
      }
    }
    await answered;
  }

  /** Each client asks `more` times more, then stops; resolves once all have. */
  async finish(more: number): Promise<void> {
    this.quotas = this.sent.map((sent) => sent + more);
    await Promise.all(this.loops);
  }

  private async run(connection: RawConnection, index: number): Promise<void> {
    const { chat, users } = this.server;
    const user = users[index % 2] as string;
    for (let i = 0; ; i++) {
      this.sent[index] = i + 1;
      const text = `client ${index} message ${i}`;
      const write = i % 5 === 1;
      try {
        const answer = write
          ? await connection.post('/messages/add', { chat, author: user, text })
          : await connection.post('/chats/get', { user });
        this.answers++;
        this.options.onAnswer?.();
        const wrong = write ? this.wrongWrite(answer, text) : this.wrongRead(answer);
        if (wrong !== undefined) this.failures.push(`client ${index}, request ${i + 1}: ${wrong}`);
      } catch (error) {
        this.failures.push(`client ${index}, request ${i + 1}: ${error instanceof Error ? error.message : error}`);
        return this.countFirstAnswer(i);
      }
      this.countFirstAnswer(i);
      if (this.quotas !== undefined && i + 1 >= (this.quotas[index] as number)) return;
      const { min, max } = this.options.gapMs;
      await sleep(min + this.options.random() * (max - min));
    }
  }

  private countFirstAnswer(request: number): void {
    if (request === 0 && ++this.firstAnswers === this.options.clients) this.allAnswered();
  }

  private wrongRead(answer: RawAnswer): string | undefined {
    if (answer.status !== 200) return `${answer.status} ${answer.body}`;
    const chats = JSON.parse(answer.body) as { id: string }[];
    if (!Array.isArray(chats) || !chats.some((chat) => chat.id === this.server.chat)) {
      return `the chat list misses the chat: ${answer.body}`;
    }
    return undefined;
  }

  private wrongWrite(answer: RawAnswer, text: string): string | undefined {
    if (answer.status !== 201) return `${answer.status} ${answer.body}`;
    const { id } = JSON.parse(answer.body) as { id: unknown };
    if (typeof id !== 'string' || !/^[1-9][0-9]*$/.test(id)) return `201 without an id: ${answer.body}`;
    this.written.set(text, id);
    return undefined;
  }
}
