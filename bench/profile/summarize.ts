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
  /** µs of the monotonic clock, as process.hrtime gives it (in ns) to the process profiled and to others. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Of totalMs, the samples in which the thread waited for work: the rest is the CPU it used. */
  idleMs: number;
  byArea: [string, number][];
  byFunction: [string, number][];
  /** Inclusive time (the frame and all it called) of the stages of a request named in the stages asked for. */
  byStage: [string, number][];
}

/**
 * A stage of the request path: its name, the function name (or a pattern of names) and file (URL) of its
 * frame, and whether only its self time counts. An empty function name stands for every function of that file.
 */
export type Stage = [name: string, functionName: string | RegExp, url: RegExp, self?: 'self'];

/** Part of a profile: the samples taken between two readings of the monotonic clock, in µs. */
export interface ProfileWindow {
  from: number;
  to: number;
}

export interface SummaryOptions {
  stages?: readonly Stage[];
  /** Only the samples of this stretch of time (a measured run); the whole profile otherwise. */
  window?: ProfileWindow;
}

/**
 * Stages of Parley's request path worth timing whole, each a frame (function name, file) whose
 * inclusive time is summed (or its self time only, when marked `self`: a native call such as a prepared
 * statement's `run` counts as the self time of the function calling it). They may nest (a hook runs inside
 * the HTTP machinery), so they are not a partition and do not add up to 100 %. A stage that no sample
 * reached is left out, so that profiles of older builds (db.exec, Fastify's handler timeout) still read.
 */
export const ADD_MESSAGE_STAGES: readonly Stage[] = [
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
 * The same for the reads: the storage's queries and rows, the answer's JSON, and the HTTP around them.
 * better-sqlite3 runs a statement and builds its rows in native code, and V8 builtins (toISOString,
 * JSON.stringify) have no frame of their own: their time is the self time of the JavaScript function
 * that called them, which these stages name.
 */
export const READ_STAGES: readonly Stage[] = [
  ['HTTP: request head parsed, routed (parserOnIncoming)', 'parserOnIncoming', /^node:_http_server$/],
  ['HTTP: body read and parsed as JSON (parseJsonBody)', 'parseJsonBody', /http\/json-body\.js$/],
  ['HTTP: schema validation (fastify → ajv)', 'validate', /fastify\/lib\/validation\.js$/],
  ['route handler (chat-routes.js, with what it awaits)', '', /http\/routes\/chat-routes\.js$/],
  ['  chat rules (chat-service.js)', '', /chat\/chat-service\.js$/],
  ['  storage: messagesOfChat', 'messagesOfChat', /storage\/(sqlite|postgres)\/\w+-storage\.js$/],
  ['  storage: chatsOfUser', 'chatsOfUser', /storage\/(sqlite|postgres)\/\w+-storage\.js$/],
  [
    '    SQLite: statements run, rows built (self time of the read)',
    /^$/,
    /storage\/sqlite\/sqlite-storage\.js$/,
    'self',
  ],
  [
    '    SQLite: members read (membersOf, self: its statement)',
    'membersOf',
    /storage\/sqlite\/sqlite-storage\.js$/,
    'self',
  ],
  ['    rows → messages (messageFromRow; PostgreSQL: with toISOString)', 'messageFromRow', /-storage\.js$/],
  ['    rows → chats (chatFromRow; PostgreSQL: with toISOString)', 'chatFromRow', /-storage\.js$/],
  ['    SQLite: ms → Date → ISO string (iso)', 'iso', /storage\/sqlite\/sqlite-storage\.js$/],
  ['    page reversed (Array reverse)', 'reverse', /^$/],
  ['PostgreSQL: sending queries (pg Client.query)', 'query', /pg\/lib\/client\.js$/],
  ['PostgreSQL: reading answers (pg-protocol parse)', 'parse', /pg-protocol\/dist\/parser\.js$/],
  ['  rows parsed into objects (pg Result.parseRow)', 'parseRow', /pg\/lib\/result\.js$/],
  ['    timestamptz text → Date (postgres-date)', '', /postgres-date\/index\.js$/],
  ['    bigint text → string (pg-types parseBigInteger)', 'parseBigInteger', /pg-types\/lib\/textParsers\.js$/],
  ['    text[] of members → array (postgres-array)', '', /postgres-array\/index\.js$/],
  ['HTTP: answer sent (Reply.send)', 'Reply.send', /fastify\/lib\/reply\.js$/],
  ['  serialized by the response schema (fastify serialize)', 'serialize', /fastify\/lib\/reply\.js$/],
  ['    compiled serializer code (fast-json-stringify)', /^(main|anonymous\d+)$/, /^$/],
  ['    strings escaped (fast-json-stringify asString)', '', /fast-json-stringify\/lib\/serializer\.js$/],
  ['    union branch chosen by a format check (ajv-formats)', '', /ajv-formats\//],
  ['  Content-Length counted (Buffer.byteLength)', 'byteLength', /^node:buffer$/],
  ['unpaged history streamed (json-array-stream.js)', '', /http\/json-array-stream\.js$/],
  ['  each message JSON.stringify-ed, joined (self time of its code)', /^$/, /http\/json-array-stream\.js$/, 'self'],
  ['  Readable.from and its stream (node:internal/streams/from)', '', /^node:internal\/streams\/from$/],
  [
    'socket writes (writev, writeUtf8String, writeBuffer)',
    /^(writev|writeUtf8String|writeLatin1String|writeBuffer)$/,
    /^$/,
  ],
  ['request log: line built on response, then written (request-log.js)', '', /http\/request-log\.js$/],
  ['onResponse: metrics (metrics.js)', '', /http\/metrics\.js$/],
  ['garbage collection', '(garbage collector)', /^$/],
  ['idle (waiting for the network or the database)', '(idle)', /^$/],
];

/**
 * Self time (where the CPU actually was) by area — a package, Parley's own code, Node's internals,
 * garbage collection, idle — and by function. Time in native code (SQLite, the fsync of COMMIT) is
 * counted against the native function called from JavaScript, such as `exec` or `run`.
 */
export function summarizeProfile(file: string, options: SummaryOptions = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const counted = sampleFilter(profile, options.window);
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const spent = (profile.timeDeltas[index] ?? 0) / 1000;
    if (!frame || !counted(index)) return;
    totalMs += spent;
    const area = areaOf(frame.url, frame.functionName);
    add(byArea, area, spent);
    const where =
      frame.url !== '' ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : compiled(frame) ? 'compiled' : 'native';
    add(byFunction, `${frame.functionName || '(anonymous)'} (${where})`, spent);
  });
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  const byStage = stageTimes(profile, options.stages ?? ADD_MESSAGE_STAGES, counted, totalMs);
  const idleMs = byArea.get('(idle)') ?? 0;
  return { totalMs, idleMs, byArea: sorted(byArea), byFunction: sorted(byFunction), byStage };
}

/** Whether the sample of each index falls in the window (each sample is stamped with the time since the one before). */
function sampleFilter(profile: CpuProfile, window?: ProfileWindow): (index: number) => boolean {
  if (window === undefined) return () => true;
  const inside = new Uint8Array(profile.samples.length);
  let time = profile.startTime;
  profile.timeDeltas.forEach((delta, index) => {
    time += delta;
    inside[index] = time >= window.from && time <= window.to ? 1 : 0;
  });
  return (index) => inside[index] === 1;
}

/** Each sample counts once for every stage whose frame is on its stack. */
function stageTimes(
  profile: CpuProfile,
  stages: readonly Stage[],
  counted: (index: number) => boolean,
  total: number,
): [string, number][] {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const times = new Map<string, number>(stages.map(([name]) => [name, 0]));
  profile.samples.forEach((id, index) => {
    if (!counted(index)) return;
    const spent = (profile.timeDeltas[index] ?? 0) / 1000;
    const hit = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parents.get(node)) {
      const frame = frames.get(node);
      if (!frame) break;
      for (const [name, functionName, url, self] of stages) {
        if (self && node !== id) continue;
        const named =
          typeof functionName === 'string'
            ? frame.functionName === functionName
            : functionName.test(frame.functionName);
        if (named && url.test(frame.url.replace(/^file:\/\//, ''))) hit.add(name);
        else if (functionName === '' && frame.url !== '' && url.test(frame.url)) hit.add(name);
      }
    }
    for (const name of hit) times.set(name, (times.get(name) ?? 0) + spent);
  });
  // Below a thousandth of the samples a stage is start-up noise (a migration's exec), not the request path.
  return [...times.entries()].filter(([, time]) => time > total / 1000);
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

/**
 * fast-json-stringify compiles each response schema into functions named `main` and `anonymous<n>`, built
 * with `new Function`: code without a file, like native code.
 */
const compiled = ({ url, functionName }: CallFrame) => url === '' && /^(main|anonymous\d+)$/.test(functionName);

function areaOf(url: string, functionName: string): string {
  if (compiled({ url, functionName, lineNumber: 0 })) return 'fast-json-stringify (compiled serializers)';
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

/** What the profiled stretch served and what its thread used, to give each item's CPU per answer. */
export interface ProfiledWork {
  answers: number;
  /** The profiled thread's CPU over the same stretch (from /proc), in µs. */
  cpuMicros: number;
}

/**
 * The top `count` areas and functions, as shares of all samples; given the `work` of the profiled
 * stretch, also as µs of CPU per answer. The profiler stamps each sample with the wall time since the one
 * before, so a thread that the machine's other work delays looks slower than it is: the busy samples are
 * scaled to the CPU that /proc says the thread used.
 */
export function profileTables(summary: ProfileSummary, count = 15, work?: ProfiledWork): string {
  const { totalMs, idleMs, byArea, byFunction, byStage } = summary;
  const share = (value: number) => `${((100 * value) / totalMs).toFixed(1)} %`;
  const cpuPerMs = work ? work.cpuMicros / Math.max(1e-9, totalMs - idleMs) / work.answers : 0;
  const perAnswer = (name: string, value: number) =>
    work ? [/idle/.test(name) ? '' : `${(value * cpuPerMs).toFixed(1)} µs`] : [];
  const rows = (entries: [string, number][]) =>
    entries
      .slice(0, count)
      .map(([name, value]) => [name, `${value.toFixed(0)} ms`, share(value), ...perAnswer(name, value)]);
  const columns = ['time', 'share', ...(work ? ['CPU per answer'] : [])];
  return [
    markdownTable(['stage of the request path (inclusive time)', ...columns], rows(byStage)),
    '',
    markdownTable(['area (self time)', ...columns], rows(byArea)),
    '',
    markdownTable(['function (self time)', ...columns], rows(byFunction)),
  ].join('\n');
}
