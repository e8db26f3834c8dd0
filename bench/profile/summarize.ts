import { readFileSync } from 'node:fs';
import { markdownTable } from '../support/table.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byArea: [string, number][];
  byFunction: [string, number][];
  /** Inclusive time (the frame and all it called) of the stages of a request named in STAGES. */
  byStage: [string, number][];
}

/**
 * Stages of Parley's request path worth timing whole, each a frame (function name, file) whose
 * inclusive time is summed (or its self time only, when marked `self`: a native call such as a prepared
 * statement's `run` counts as the self time of the function calling it). They may nest (a hook runs inside
 * the HTTP machinery), so they are not a partition and do not add up to 100 %. A stage that no sample
 * reached is left out, so that profiles of older builds (db.exec, Fastify's handler timeout) still read.
 */
const STAGES: [string, string, RegExp, 'self'?][] = [
  ['group commit, all of it (WriteBatch.commit)', 'commit', /write-batch\.js$/],
  ['  BEGIN IMMEDIATE + COMMIT with its fsync (db.exec)', 'exec', /better-sqlite3\/lib\/methods\/wrappers\.js$/],
  ['  BEGIN IMMEDIATE + COMMIT with its fsync (prepared, in commit)', 'commit', /write-batch\.js$/, 'self'],
  ['  the SQL of each write, in its savepoint', 'runInSavepoint', /write-batch\.js$/],
  ['PostgreSQL: sending queries (pg Client.query)', 'query', /pg\/lib\/client\.js$/],
  ['PostgreSQL: reading answers (pg-protocol parse)', 'parse', /pg-protocol\/dist\/parser\.js$/],
  ['HTTP: request head parsed, routed (parserOnIncoming)', 'parserOnIncoming', /^node:_http_server$/],
  ['HTTP: body read and parsed as JSON (parseJsonBody)', 'parseJsonBody', /http\/json-body\.js$/],
  ['HTTP: schema validation (fastify → ajv)', 'validate', /fastify\/lib\/validation\.js$/],
  ['HTTP: answer serialized and written (Reply.send)', 'Reply.send', /fastify\/lib\/reply\.js$/],
  ['  socket writes (writev)', 'writev', /^$/],
  ['request log: line built on response, then written (request-log.js)', '', /http\/request-log\.js$/],
  ['  the lines of a turn written to stdout at once (request-log.js)', 'writePending', /http\/request-log\.js$/],
  ['onResponse: metrics (metrics.js)', '', /http\/metrics\.js$/],
  ['log lines written to stdout (SonicBoom)', 'SonicBoom.release', /sonic-boom\/index\.js$/],
  ['handler timeout: AbortController per request (fastify route.js)', 'onAbort', /fastify\/lib\/route\.js$/],
  ['handler deadline (handler-deadline.js, with the handler it runs)', '', /http\/handler-deadline\.js$/],
  ['garbage collection', '(garbage collector)', /^$/],
  ['idle (waiting for the network or the disk)', '(idle)', /^$/],
];

/**
 * Self time (where the CPU actually was) by area — a package, Parley's own code, Node's internals,
 * garbage collection, idle — and by function. Time in native code (SQLite, the fsync of COMMIT) is
 * counted against the native function called from JavaScript, such as `exec` or `run`.
 */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const spent = (profile.timeDeltas[index] ?? 0) / 1000;
    if (!frame) return;
    totalMs += spent;
    const area = areaOf(frame.url, frame.functionName);
    add(byArea, area, spent);
    const where = frame.url === '' ? 'native' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    add(byFunction, `${frame.functionName || '(anonymous)'} (${where})`, spent);
  });
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs, byArea: sorted(byArea), byFunction: sorted(byFunction), byStage: stageTimes(profile) };
}

/** Each sample counts once for every stage whose frame is on its stack. */
function stageTimes(profile: CpuProfile): [string, number][] {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const times = new Map<string, number>(STAGES.map(([name]) => [name, 0]));
  profile.samples.forEach((id, index) => {
    const spent = (profile.timeDeltas[index] ?? 0) / 1000;
    const hit = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parents.get(node)) {
      const frame = frames.get(node);
      if (!frame) break;
      for (const [name, functionName, url, self] of STAGES) {
        if (self && node !== id) continue;
        if (frame.functionName === functionName && url.test(frame.url.replace(/^file:\/\//, ''))) hit.add(name);
        else if (functionName === '' && frame.url !== '' && url.test(frame.url)) hit.add(name);
      }
    }
    for (const name of hit) times.set(name, (times.get(name) ?? 0) + spent);
  });
  // Below a thousandth of the samples a stage is start-up noise (a migration's exec), not the request path.
  const total = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0) / 1000;
  return [...times.entries()].filter(([, time]) => time > total / 1000);
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `native: ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const internal = /^node:(?:internal\/)?([a-z_]+)/.exec(url);
  if (internal) return `node: ${internal[1]}`;
  const own = /\/dist\/(.+)$/.exec(url);
  if (own) return `parley: ${own[1]}`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
}

/** The top `count` areas and functions, as shares of all samples. */
export function profileTables({ totalMs, byArea, byFunction, byStage }: ProfileSummary, count = 15): string {
  const share = (value: number) => `${((100 * value) / totalMs).toFixed(1)} %`;
  const rows = (entries: [string, number][]) =>
    entries.slice(0, count).map(([name, value]) => [name, `${value.toFixed(0)} ms`, share(value)]);
  return [
    markdownTable(['stage of the request path (inclusive time)', 'time', 'share'], rows(byStage)),
    '',
    markdownTable(['area (self time)', 'time', 'share'], rows(byArea)),
    '',
    markdownTable(['function (self time)', 'time', 'share'], rows(byFunction)),
  ].join('\n');
}
