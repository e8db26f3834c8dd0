import path from 'node:path';
import { profileReads, type ReadProfile } from './profile/profile-reads.js';
import { profileAddMessage, type ServerProfile } from './profile/profile-server.js';
import { profileTables } from './profile/summarize.js';
import { describeRun, runAddMessageSuite } from './suites/add-message-suite.js';
import { READ_LABELS, runReadSuite } from './suites/read-suite.js';
import { runShapeSuite } from './suites/shapes-suite.js';
import { runBench } from './support/entry.js';

/** `npm run bench`: every figure of the issue except the data-size ones (`npm run bench:scale`). */
runBench('bench', async ({ settings, log, save }) => {
  const addMessage = settings.targets.length > 0 ? await runAddMessageSuite(settings, log) : undefined;
  const shapes = settings.shapeBackends.length > 0 ? await runShapeSuite(settings, log) : undefined;
  const reads = settings.reads.length > 0 ? await runReadSuite(settings, log) : undefined;
  const profiles: ServerProfile[] = [];
  for (const backend of settings.profile) profiles.push(await profileAddMessage(backend, settings));
  const readProfiles: ReadProfile[] = [];
  for (const backend of settings.profileReads) readProfiles.push(...(await profileReads(backend, settings, log)));

  if (addMessage) {
    log(
      `\n/messages/add, ${settings.connections} connections, load from ${settings.generator}, median of ${settings.rounds} round(s):\n`,
    );
    log(addMessage.table);
  }
  if (shapes) {
    log(`\nData shapes (single connection p50 unless req/s), median of ${settings.rounds} round(s):\n`);
    log(shapes.table);
  }
  if (reads) {
    log(
      `\nReads, ${settings.connections} connections, load from ${settings.generator}, median of ${settings.rounds} round(s):\n`,
    );
    log(reads.table);
    if (reads.comparisons !== '') log(`\n${reads.comparisons}`);
  }
  for (const profile of profiles) {
    for (const { thread, file, summary } of profile.threads) {
      log(`\nWhere the ${profile.backend} server's ${thread} spends its time under /messages/add`);
      log(`(${describeRun(profile.run)}); profile: ${path.relative(process.cwd(), file)}\n`);
      log(profileTables(summary));
    }
  }
  for (const { backend, read, load, file, summary, work } of readProfiles) {
    const mainThread = (work.cpuMicros / work.answers).toFixed(0);
    log(`\nWhere the ${backend} server's main thread spends its time under ${READ_LABELS[read]}`);
    log(`(${describeRun({ load })}, of which the main thread ${mainThread} µs; the profiled run only)`);
    log(`profile: ${path.relative(process.cwd(), file)}\n`);
    log(profileTables(summary, 25, work));
  }

  save({
    addMessage,
    shapes,
    reads,
    profiles: profiles.map(({ threads, ...rest }) => ({ ...rest, files: threads.map(({ file }) => file) })),
    readProfiles,
  });
});
