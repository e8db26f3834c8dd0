import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { composeApp } from '../../src/server.js';
import { type Backend, sqlite } from './backends.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: unknown;
}

/** Talks to the app in-process, as a client would over HTTP. */
export class ApiClient {
  constructor(readonly app: FastifyInstance) {}

  async post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: response.statusCode, headers: response.headers, body: parse(response.body) };
  }

  async created(url: string, body: unknown): Promise<string> {
    const answer = await this.post(url, body);
    assert.equal(answer.status, 201, `${url} ${JSON.stringify(body)} -> ${JSON.stringify(answer.body)}`);
    const { id } = answer.body as { id: string };
    return id;
  }

  user(username: string): Promise<string> {
    return this.created('/users/add', { username });
  }

  chat(name: string, users: unknown[]): Promise<string> {
    return this.created('/chats/add', { name, users });
  }

  message(chat: string, author: string, text: string): Promise<string> {
    return this.created('/messages/add', { chat, author, text });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A fresh app on an empty database of the given backend, closed when the test ends. */
export async function startApi(t: TestContext, backend: Backend = sqlite): Promise<ApiClient> {
  const database = await backend.open();
  const app = composeApp({ storage: database.storage });
  t.after(async () => {
    await app.close();
    await database.close();
  });
  return new ApiClient(app);
}

/** Asserts an RFC 9457 problem with this status whose detail matches. */
export function assertProblem(answer: Answer, status: number, detail: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
  const problem = answer.body as Record<string, unknown>;
  assert.equal(problem.status, status);
  assert.equal(typeof problem.type, 'string');
  assert.equal(typeof problem.title, 'string');
  assert.match(String(problem.detail), detail);
}
