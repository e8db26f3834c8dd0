import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, type TestContext, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { CHAT_PATHS } from '../../src/http/routes/chat-routes.js';
import { MessagesAdd } from '../../src/http/schemas/messages-add.js';
import { startApi } from '../support/api.js';

interface Media {
  schema: Record<string, unknown>;
  example?: Record<string, unknown>;
}

interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

interface Document {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
}

const CREATES = new Set(['/users/add', '/chats/add', '/messages/add']);

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

async function fetchDocument(t: TestContext): Promise<Document> {
  const api = await startApi(t);
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return response.json();
}

describe('the OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document that names Parley and its version', async (t) => {
    const document = await fetchDocument(t);
    const result = await new Validator().validate(structuredClone(document) as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'Parley');
    assert.equal(document.info.version, version);
    assert.ok(document.info.description.length > 100);
  });

  test('documents each of the five methods as a POST with its answer and its problems', async (t) => {
    const { paths } = await fetchDocument(t);
    for (const path of CHAT_PATHS) {
      const operation = paths[path]?.post;
      assert.ok(operation, `POST ${path} is documented`);
      assert.deepEqual(Object.keys(paths[path] ?? {}), ['post'], `${path} shows no 405 guard`);
      assert.ok(operation.requestBody?.content['application/json'], `${path} takes a JSON body`);
      const success = CREATES.has(path) ? '201' : '200';
      assert.ok(operation.responses[success]?.content?.['application/json'], `${path} answers ${success}`);
      for (const status of ['400', '413', '415', '503']) {
        const example: Media['example'] = operation.responses[status]?.content?.['application/problem+json']?.example;
        assert.ok(example, `${path} documents its ${status} as a problem, with an example`);
        assert.deepEqual(Object.keys(example), ['type', 'title', 'status', 'detail']);
        assert.equal(example.status, Number(status));
      }
    }
    assert.ok(paths['/users/add']?.post?.responses['409'], 'a taken username is documented');
    assert.ok(paths['/messages/add']?.post?.responses['403'], 'posting outside a chat is documented');
    assert.ok(paths['/messages/get']?.post?.responses['404'], 'an unknown chat is documented');
  });

  test('describes the body of /messages/add with the very schema that validates it', async (t) => {
    const { paths } = await fetchDocument(t);
    const body = paths['/messages/add']?.post?.requestBody?.content['application/json']?.schema;
    assert.ok(body);
    assert.deepEqual([...(body.required as string[])].sort(), ['author', 'chat', 'text']);
    const { examples: _movedToTheMediaType, ...validated } = JSON.parse(JSON.stringify(MessagesAdd.body));
    assert.deepEqual(body, validated);
  });

  test('documents ids as a string or an integer in requests and as a string in answers', async (t) => {
    const { paths } = await fetchDocument(t);
    const body = paths['/chats/get']?.post?.requestBody?.content['application/json']?.schema;
    assert.ok(body);
    const { user } = body.properties as Record<string, { anyOf: Array<{ type: string }> }>;
    assert.deepEqual(user?.anyOf.map((alternative) => alternative.type).sort(), ['integer', 'string']);
    const created = paths['/users/add']?.post?.responses['201']?.content?.['application/json']?.schema;
    assert.ok(created);
    const { id } = created.properties as Record<string, { type: string }>;
    assert.equal(id?.type, 'string');
  });

  test('documents the probes and the metrics, and hides itself and its page', async (t) => {
    const { paths } = await fetchDocument(t);
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.ok(paths[path]?.get, `GET ${path} is documented`);
    assert.ok(paths['/readyz']?.get?.responses['503']?.content?.['application/problem+json']);
    const documented = Object.keys(paths).sort();
    assert.deepEqual(documented, [...CHAT_PATHS, '/events', '/healthz', '/metrics', '/readyz'].sort());
  });

  test('documents the live stream: its two scopes, Last-Event-ID and its event-stream answer', async (t) => {
    const { paths } = await fetchDocument(t);
    const events = paths['/events']?.get as unknown as {
      parameters: { name: string; in: string }[];
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    assert.ok(events, 'GET /events is documented');
    const parameters = events.parameters.map((parameter) => `${parameter.in} ${parameter.name}`).sort();
    assert.deepEqual(parameters, ['header last-event-id', 'query chat', 'query user']);
    assert.ok(events.responses['200']?.content?.['text/event-stream']);
    assert.ok(events.responses['404']?.content?.['application/problem+json']);
  });

  test('is browsable at /docs, on a page whose script comes from this server', async (t) => {
    const api = await startApi(t);
    const redirect = await api.app.inject({ method: 'GET', url: '/docs' });
    const page = await api.app.inject({ method: 'GET', url: String(redirect.headers.location ?? '/docs') });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//, 'no script, style or font from another host');
    const script = page.body.match(/<script src="([^"]+)"/)?.[1];
    assert.ok(script, 'the page loads its script');
    const bundle = await api.app.inject({ method: 'GET', url: new URL(script, 'http://x/docs/').pathname });
    assert.equal(bundle.statusCode, 200);
    assert.match(String(bundle.headers['content-type']), /javascript/);
  });
});
