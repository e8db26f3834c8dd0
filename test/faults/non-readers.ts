import assert from 'node:assert/strict';
import { RawConnection } from '../support/raw-http.js';
import type { ChatServer } from './chat-server.js';

/** Posts `messages` messages of 10,000 characters (10 KB of history each) to the server's chat. */
export async function addHistory(server: ChatServer, messages: number): Promise<void> {
  const writer = await RawConnection.connect(server.port);
  try {
    for (let i = 1; i <= messages; i++) {
      const body = { chat: server.chat, author: server.users[0], text: 'x'.repeat(10_000) };
      // The server closes the connection after the last: once closed here, it no longer counts among its own.
      const added = await writer.post('/messages/add', body, i === messages ? { connection: 'close' } : {});
      assert.equal(added.status, 201, added.body);
    }
    await writer.closed;
  } finally {
    writer.destroy();
  }
}

/**
 * Opens `clients` connections that each send `requests` pipelined requests for the chat's whole history at
 * once, and read none of the answers (until `socket.resume()`). Such a client sees no close either: the
 * server's own count of connections tells when it let go.
 */
export async function sendWithoutReading(
  server: ChatServer,
  clients: number,
  requests: number,
): Promise<RawConnection[]> {
  const body = JSON.stringify({ chat: server.chat });
  const request =
    'POST /messages/get HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
  const connections = await Promise.all(Array.from({ length: clients }, () => RawConnection.connect(server.port)));
  for (const connection of connections) {
    connection.socket.pause();
    connection.write(request.repeat(requests));
  }
  return connections;
}
