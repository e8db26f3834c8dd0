import { readFileSync } from 'node:fs';
import http from 'node:http';

/**
 * The ceiling of a read: what node:http alone does on this machine to answer it. It reads the body,
 * parses it as JSON and answers, from memory, the bytes Parley answered to that same body (captured
 * beforehand, with their Content-Type): no routing, validation, storage, serialization or logging. The
 * file named by the first argument holds the captured answers (see bench/suites/read-answers.ts).
 */
interface CapturedAnswer {
  body: string;
  contentType: string;
  /** Base64 of the answer's bytes. */
  answer: string;
}

const answers = new Map(
  (JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as CapturedAnswer[]).map(
    ({ body, contentType, answer }) => [body, { contentType, bytes: Buffer.from(answer, 'base64') }],
  ),
);

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(body);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const found = answers.get(body);
    if (found === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': found.contentType, 'content-length': found.bytes.length });
    response.end(found.bytes);
  });
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 9003), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
