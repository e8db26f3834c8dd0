import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { HttpTimeouts } from '../../src/http/app.js';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a command (npm start, node dist/main.js) in its own process group and waits until it serves. */
export async function startServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = process.cwd(),
): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      await fetch(`${url}/`);
      return { child, url, output: () => output, exited };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  killGroup(child, 'SIGKILL');
  throw new Error(`server did not start in time: ${output}`);
}

/** Signals the whole process group (npm, its shell and node alike). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Runs a command to its end and returns its exit code and output. */
export function runToExit(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** POSTs JSON over a real socket. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Starts Parley as src/main.ts does but with shorter HTTP timeouts (test/support/timed-server.ts), in a
 * process of its own, so that its memory and its connections are its own.
 */
export function startTimedServer(timeouts: Partial<HttpTimeouts>, env: Record<string, string>): Promise<RunningServer> {
  return startServer(process.execPath, ['--import', 'tsx', 'test/support/timed-server.ts'], {
    ...env,
    PARLEY_TEST_HTTP_TIMEOUTS: JSON.stringify(timeouts),
  });
}

let build: Promise<void> | undefined;

/**
 * Compiles src/ into dist/ once per test process, so that `node dist/main.js` runs the current sources.
 * Test files run in parallel processes: a lock directory makes them build one at a time, so that none
 * starts a server from a file another is halfway through writing.
 */
export function ensureBuilt(): Promise<void> {
  build ??= (async () => {
    const lock = path.join(os.tmpdir(), 'parley-build.lock');
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`${lock} has been held for 2 minutes; remove it if stale`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    try {
      const { code, stderr } = await runToExit('npm', ['run', '--silent', 'build'], {});
      if (code !== 0) throw new Error(`npm run build failed with ${code}: ${stderr}`);
    } finally {
      fs.rmdirSync(lock);
    }
  })();
  return build;
}
