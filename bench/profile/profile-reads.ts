import { type LoadResult, runLoad } from '../load/http-load.js';
import type { BenchSettings } from '../settings.js';
import { checkSameAnswers } from '../suites/read-answers.js';
import { readDataset } from '../suites/read-targets.js';
import { threadCpuMicros } from '../support/cpu-usage.js';
import { outDir } from '../support/paths.js';
import { startParley } from '../support/processes.js';
import type { ReadName } from '../workload/read-data.js';
import { threadProfiles } from './profile-server.js';
import { type ProfiledWork, type ProfileSummary, READ_STAGES, summarizeProfile } from './summarize.js';

export interface ReadProfile {
  backend: string;
  read: ReadName;
  /** Messages (or chats) per answer. */
  items: number;
  /** The profiled run (slower than a measured one: the profiler samples the server meanwhile). */
  load: LoadResult;
  /** The main thread's profile (the only thread a read runs on). */
  file: string;
  /** Of the samples taken during the profiled run only, not the start-up or the warm-up. */
  summary: ProfileSummary;
  /** The answers of the profiled run, and the CPU its main thread used meanwhile. */
  work: ProfiledWork;
}

/** µs of the monotonic clock, which the profiles' sample times also count. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/** The profiler samples every this many µs: finer than its default of 1 ms, for small items per answer. */
const SAMPLING_MICROS = 250;

/**
 * Each read of the backend's data set run once more, unmeasured, on a server of its own under
 * `node --cpu-prof`: a warm-up, then a run of the usual length whose samples alone are summarized, with
 * the main thread's CPU over that run (from /proc), so that each item can be given in µs per answer.
 */
export async function profileReads(
  backend: string,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<ReadProfile[]> {
  const dataset = await readDataset(backend, settings, log);
  const profiles: ReadProfile[] = [];
  for (const { read, items } of dataset.answers) {
    const dir = outDir('profiles', `reads-${backend}-${read.name}-${new Date().toISOString().replaceAll(':', '-')}`);
    const profiler = ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${SAMPLING_MICROS}`];
    const server = await startParley(dataset.database.url, settings.logLevel, profiler);
    let load: LoadResult;
    let window: { from: number; to: number };
    let cpuMicros: number;
    try {
      await checkSameAnswers(server.url, dataset.answers, `Parley on ${backend}, profiled`);
      const spec = {
        url: server.url,
        path: read.path,
        bodies: [read.body],
        connections: settings.connections,
        watch: [server.pid],
        generator: settings.generator,
      };
      await runLoad({ ...spec, seconds: settings.warmup });
      const cpuBefore = threadCpuMicros(server.pid);
      const from = monotonicMicros();
      load = await runLoad({ ...spec, seconds: settings.duration });
      window = { from, to: monotonicMicros() };
      cpuMicros = threadCpuMicros(server.pid) - cpuBefore;
    } finally {
      await server.stop();
    }
    const file = (threadProfiles(dir)[0] as { file: string }).file;
    const summary = summarizeProfile(file, { stages: READ_STAGES, window });
    profiles.push({ backend, read: read.name, items, load, file, summary, work: { answers: load.ok, cpuMicros } });
  }
  return profiles;
}
