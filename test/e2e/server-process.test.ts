import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killGroup, postJson, runToExit, startServer } from '../support/process.js';

const created = async (url: string, body: unknown) => {
  const answer = await postJson(url, body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return (answer.body as { id: string }).id;
};

describe('the real server process', () => {
  let directory: string;
  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-'));
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  test('npm start serves on a socket, and a kill -9 right after a 201 loses nothing', async () => {
    const env = { DATABASE_URL: `sqlite:${path.join(directory, 'chat.db')}` };
    const first = await startServer('npm', ['start', '--silent'], env);
    let chat: string;
    let users: string[];
    const messages: string[] = [];
    try {
      users = [
        await created(`${first.url}/users/add`, { username: 'a' }),
        await created(`${first.url}/users/add`, { username: 'b' }),
      ];
      chat = await created(`${first.url}/chats/add`, { name: 'room', users });
      for (let i = 0; i < 10; i++) {
        messages.push(await created(`${first.url}/messages/add`, { chat, author: users[i % 2], text: `m${i}` }));
      }
    } finally {
      killGroup(first.child, 'SIGKILL');
      await first.exited;
    }

    const second = await startServer('node', ['dist/main.js'], env);
    try {
      const listed = await postJson(`${second.url}/messages/get`, { chat });
      assert.deepEqual(
        (listed.body as Array<{ id: string }>).map((message) => message.id),
        messages,
      );
      const chats = await postJson(`${second.url}/chats/get`, { user: users[1] });
      assert.deepEqual((chats.body as Array<{ users: string[] }>)[0]?.users, users);
    } finally {
      killGroup(second.child, 'SIGKILL');
      await second.exited;
    }
  });

  test('SIGTERM stops the server with exit code 0', async () => {
    const server = await startServer('node', ['dist/main.js'], {
      DATABASE_URL: `sqlite:${path.join(directory, 'term.db')}`,
    });
    await created(`${server.url}/users/add`, { username: 'a' });
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  });

  test('SIGTERM lets a request in flight finish and be answered, then exits 0', async () => {
    const server = await startServer('node', ['dist/main.js'], {
      DATABASE_URL: `sqlite:${path.join(directory, 'inflight.db')}`,
    });
    const body = JSON.stringify({ username: 'in-flight' });
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    // Headers and half the body now; SIGTERM; then the rest of the body.
    socket.write(
      `POST /users/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(body.slice(10));
    assert.equal(await server.exited, 0, server.output());
    assert.match(answer, /^HTTP\/1\.1 201 /);
    assert.match(answer, /\{"id":"1"\}/);
  });

  test('the default database is a file under ./data, created on demand', async () => {
    const cwd = process.cwd();
    const workdir = path.join(directory, 'fresh');
    fs.mkdirSync(workdir);
    const server = await startServer(
      'node',
      [path.join(cwd, 'dist/main.js')],
      { DATABASE_URL: '', DATABASE_URI: '' },
      workdir,
    );
    try {
      await created(`${server.url}/users/add`, { username: 'a' });
      assert.ok(fs.existsSync(path.join(workdir, 'data', 'parley.db')));
    } finally {
      killGroup(server.child, 'SIGKILL');
      await server.exited;
    }
  });

  test('a wrong setting stops the process with exit code 1 and one line naming it', async () => {
    const port = await runToExit('node', ['dist/main.js'], { PORT: 'ninety' });
    assert.equal(port.code, 1);
    assert.equal(port.stderr, 'PORT must be an integer 1-65535, got "ninety"\n');
    const database = await runToExit('node', ['dist/main.js'], { DATABASE_URL: 'oracle://db/chat', PORT: '1' });
    assert.equal(database.code, 1);
    assert.match(database.stderr, /^DATABASE_URL must start with sqlite:/);
  });
});
