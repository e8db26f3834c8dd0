import http from 'node:http';

/**
 * The ceiling: what node:http alone does on this machine for a request like /messages/add. It reads the
 * body, parses it as JSON and answers 201 `{"id":"1"}`: no routing, validation, storage or logging.
 */
const ANSWER = JSON.stringify({ id: '1' });

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      response.writeHead(400).end();
      return;
    }
    response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end(ANSWER);
  });
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 9001), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
