import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { onExit } from './cleanup.js';
import { BENCH_DIR, REPO_DIR } from './paths.js';

export interface Server {
  url: string;
  pid: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The build measured: `dist/`, or another build of Parley named by BENCH_DIST (a directory holding its
 * main.js, such as an earlier commit's `dist/` kept aside), to compare two builds on the same machine.
 */
export const PARLEY_DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(REPO_DIR, 'dist');

/** A second build, measured by the `*-baseline` targets in the same rounds as PARLEY_DIST: BENCH_BASELINE_DIST. */
export const BASELINE_DIST = process.env.BENCH_BASELINE_DIST
  ? path.resolve(process.env.BENCH_BASELINE_DIST)
  : undefined;

/**
 * Starts the built server, `node dist/main.js`, as a user would, on a free loopback port, and waits
 * until its database is ready (GET /readyz). Its JSON log lines go to /dev/null.
 */
export function startParley(
  databaseUrl: string,
  logLevel: string,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  dist = PARLEY_DIST,
): Promise<Server> {
  const env = { ...extraEnv, DATABASE_URL: databaseUrl, LOG_LEVEL: logLevel };
  const ready = (status: number) => status === 200;
  return start(process.execPath, [...nodeArgs, path.join(dist, 'main.js')], '/readyz', ready, env);
}

/**
 * Starts a server of bench/ that answers anything, by default the bare node:http ceiling, with its
 * arguments (through tsx, which costs only at start-up).
 */
export function startCeiling(file = 'ceiling-server.ts', args: string[] = []): Promise<Server> {
  const answers = (status: number) => status > 0;
  return start(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, file), ...args], '/', answers, {});
}

async function start(
  command: string,
  args: string[],
  readyPath: string,
  ready: (status: number) => boolean,
  env: Record<string, string>,
): Promise<Server> {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd: REPO_DIR,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  const server: Server = { url, pid: child.pid as number, stop: () => stop(child, exited) };
  onExit(server.stop);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${args.at(-1)} exited with ${child.exitCode}: ${stderr}`);
    const status = await fetch(`${url}${readyPath}`).then(
      (response) => response.status,
      () => 0,
    );
    if (ready(status)) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.stop();
  throw new Error(`${args.at(-1)} was not ready within 60 s: ${stderr}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}
