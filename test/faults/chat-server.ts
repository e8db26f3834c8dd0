import assert from 'node:assert/strict';
import type { HttpTimeouts } from '../../src/http/app.js';
import { killGroup, startTimedServer } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';

/** The most memory the server may take under a slow-client load: some 150 MiB at rest, and 1,000 connections. */
export const PEAK_RSS_LIMIT_MIB = 400;

/** A Parley process of its own, on a SQLite file, with two users and a chat of both for clients to use. */
export interface ChatServer {
  port: number;
  pid: number;
  /** The ids of users `a` and `b`. */
  users: readonly [string, string];
  /** The id of chat `room`, of both users. */
  chat: string;
  /** Kills the process. */
  stop(): Promise<void>;
}

/** Starts the server with `timeouts` on the SQLite file `file`, and adds its users and its chat. */
export async function startChatServer(timeouts: Partial<HttpTimeouts>, file: string): Promise<ChatServer> {
  const server = await startTimedServer(timeouts, { DATABASE_URL: `sqlite:${file}` });
  const stop = async () => {
    killGroup(server.child, 'SIGKILL');
    await server.exited;
  };
  const port = Number(new URL(server.url).port);
  const connection = await RawConnection.connect(port);
  try {
    const created = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
      const answer = await connection.post(url, body, headers);
      assert.equal(answer.status, 201, answer.body);
      return (JSON.parse(answer.body) as { id: string }).id;
    };
    const users = [
      await created('/users/add', { username: 'a' }),
      await created('/users/add', { username: 'b' }),
    ] as const;
    // The server closes this connection itself: once closed here, it no longer counts among the server's.
    const chat = await created('/chats/add', { name: 'room', users }, { connection: 'close' });
    await connection.closed;
    return { port, pid: server.child.pid as number, users, chat, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    connection.destroy();
  }
}
