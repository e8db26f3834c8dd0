import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWithService } from '../support/databases.js';
import { networkBackends } from '../support/network-backends.js';
import { killGroup, postJson, startServer } from '../support/process.js';

/** The URL forms a deployment uses: the seed's own string for MySQL, a plain URL for PostgreSQL. */
const deploymentSettings = (name: string, url: string): Record<string, string> => {
  if (name !== 'MySQL') return { DATABASE_URL: url };
  const parsed = new URL(url);
  return { DATABASE_URL: '', DATABASE_URI: `mysql+pymysql://${parsed.username}:@${parsed.hostname}${parsed.pathname}` };
};

for (const backend of networkBackends) {
  describeWithService(`the real server process on ${backend.name}`, backend.available, backend.service, () => {
    test('serves the specification over a socket and keeps the data across a restart', async (t) => {
      const database = await backend.createScratchDatabase();
      t.after(() => database.drop());
      const env = deploymentSettings(backend.name, database.url);
      const first = await startServer('node', ['dist/main.js'], env);
      let chat = '';
      let users: string[] = [];
      try {
        const post = (path: string, body: unknown) => postJson(`${first.url}${path}`, body);
        users = await Promise.all(
          ['user_1', 'user_2'].map(
            async (username) => ((await post('/users/add', { username })).body as { id: string }).id,
          ),
        );
        const created = await post('/chats/add', { name: 'chat_1', users });
        assert.equal(created.status, 201);
        chat = (created.body as { id: string }).id;
        assert.equal((await post('/messages/add', { chat, author: users[0], text: 'hi' })).status, 201);
        assert.equal((await post('/messages/add', { chat, author: '999999', text: 'hi' })).status, 404);
      } finally {
        killGroup(first.child, 'SIGKILL');
        await first.exited;
      }

      const second = await startServer('node', ['dist/main.js'], env);
      try {
        const messages = await postJson(`${second.url}/messages/get`, { chat });
        assert.deepEqual(
          (messages.body as Array<{ text: string; author: string }>).map((m) => [m.author, m.text]),
          [[users[0], 'hi']],
        );
        const chats = await postJson(`${second.url}/chats/get`, { user: users[1] });
        assert.deepEqual((chats.body as Array<{ users: string[] }>)[0]?.users, users);
      } finally {
        killGroup(second.child, 'SIGKILL');
        await second.exited;
      }
    });
  });
}
