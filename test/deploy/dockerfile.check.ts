/**
 * No Docker engine runs where the tests run, so this proves what it can without one: it follows the
 * Dockerfile's own instructions in a clean temporary copy — the build stage's COPY and RUN steps (less
 * the apt-get line that installs the compilers this machine already has), then the run stage's COPY
 * --from steps into a second folder — and starts the image's CMD with the seed's settings, asks the
 * HEALTHCHECK, and talks to the result.
 */
import assert from 'node:assert/strict';
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { killGroup, postJson, startServer } from '../support/process.js';

interface Instruction {
  keyword: string;
  args: string;
}

function readDockerfile(): Instruction[][] {
  const joined = fs.readFileSync('Dockerfile', 'utf8').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const [, keyword = '', args = ''] = match;
    if (keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword, args: args.trim() });
  }
  return stages;
}

/** The steps below run on this process's Node.js: they stand for the image only if it is the same major. */
test("both of the Dockerfile's stages start from the official image of the Node.js major this check runs on", () => {
  const images = readDockerfile().map((stage) => stage[0]?.args.split(/\s+/)[0]);
  const major = process.versions.node.split('.')[0];
  const majors = images.map((image) => /^node:(\d+)-/.exec(image ?? '')?.[1]);
  assert.deepEqual(majors, [major, major], `FROM ${images.join(', ')}; this check runs on Node.js ${process.version}`);
});

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-image-'));
after(() => fs.rmSync(workdir, { recursive: true, force: true }));

test("the Dockerfile's build and run stages produce a server that answers the seed's client", async () => {
  const [buildStage = [], runStage = []] = readDockerfile();
  const buildDir = path.join(workdir, 'build');
  const imageDir = path.join(workdir, 'image');
  fs.mkdirSync(buildDir);
  fs.mkdirSync(imageDir);

  for (const { keyword, args } of buildStage) {
    if (keyword === 'COPY') {
      const sources = args.split(/\s+/).slice(0, -1);
      const target = args.split(/\s+/).at(-1) ?? '.';
      for (const source of sources) {
        const destination =
          sources.length > 1 || target === './' ? path.join(buildDir, source) : path.join(buildDir, target);
        fs.cpSync(source, destination, { recursive: true });
      }
    } else if (keyword === 'RUN' && !args.includes('apt-get')) {
      try {
        execSync(args, { cwd: buildDir, stdio: 'pipe', env: { ...process.env, CI: 'true' } });
      } catch (error) {
        const { stdout, stderr } = error as { stdout: Buffer; stderr: Buffer };
        assert.fail(`RUN ${args} failed:\n${String(stdout).slice(-2000)}\n${String(stderr).slice(-4000)}`);
      }
    }
  }

  let command: string[] = [];
  let healthcheck: string[] = [];
  const env: Record<string, string> = {};
  for (const { keyword, args } of runStage) {
    if (keyword === 'COPY') {
      const [, from, target] = /--from=\S+\s+\/app\/(\S+)\s+(\S+)/.exec(args) ?? [];
      assert.ok(from && target, `a run-stage COPY takes from the build stage: ${args}`);
      fs.cpSync(path.join(buildDir, from), path.join(imageDir, target), { recursive: true });
    } else if (keyword === 'ENV') {
      for (const [, key = '', value = ''] of args.matchAll(/(\w+)=(\S+)/g)) env[key] = value;
    } else if (keyword === 'CMD') {
      command = JSON.parse(args);
    } else if (keyword === 'HEALTHCHECK') {
      healthcheck = JSON.parse(args.slice(args.indexOf('CMD') + 3));
    }
  }

  assert.ok(!fs.existsSync(path.join(imageDir, 'node_modules', 'typescript')), 'no dev dependencies in the image');
  assert.ok(!fs.existsSync(path.join(imageDir, 'src')), 'no sources in the image');
  const [program = '', ...args] = command;
  const server = await startServer(program, args, { ...env, DATABASE_URL: '', DATABASE_URI: '' }, imageDir);
  try {
    const user = (await postJson(`${server.url}/users/add`, { username: 'user_1' })).body as { id: string };
    const other = (await postJson(`${server.url}/users/add`, { username: 'user_2' })).body as { id: string };
    const chat = await postJson(`${server.url}/chats/add`, { name: 'chat_1', users: [user.id, other.id] });
    assert.equal(chat.status, 201);
    const port = new URL(server.url).port;
    const [checker = '', ...checkArgs] = healthcheck;
    execFileSync(checker, checkArgs, { env: { ...process.env, PORT: port } });
  } finally {
    killGroup(server.child, 'SIGKILL');
    await server.exited;
  }
});
