import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { profileAddMessage, type ServerProfile } from './profile/profile-server.js';
import { profileTables } from './profile/summarize.js';
import { loadSettings } from './settings.js';
import { describeRun, runAddMessageSuite } from './suites/add-message-suite.js';
import { runShapeSuite } from './suites/shapes-suite.js';
import { cleanUp } from './support/cleanup.js';
import { describeMachine } from './support/machine.js';
import { outDir } from './support/paths.js';

/** `npm run bench`: every figure of the issue except the data-size ones (`npm run bench:scale`). */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const machine = await describeMachine();
  log(`machine: ${machine}`);
  log(`settings: ${JSON.stringify(settings)}\n`);

  const addMessage = await runAddMessageSuite(settings, log);
  const shapes = settings.shapeBackends.length > 0 ? await runShapeSuite(settings, log) : undefined;
  const profiles: ServerProfile[] = [];
  for (const backend of settings.profile) profiles.push(await profileAddMessage(backend, settings));

  log(`\n/messages/add, ${settings.connections} connections, median of ${settings.rounds} round(s):\n`);
  log(addMessage.table);
  if (shapes) {
    log(`\nData shapes (single connection p50 unless req/s), median of ${settings.rounds} round(s):\n`);
    log(shapes.table);
  }
  for (const profile of profiles) {
    log(`\nWhere the ${profile.backend} server's CPU goes under /messages/add (${describeRun(profile.run)}):`);
    log(`profile: ${path.relative(process.cwd(), profile.file)}\n`);
    log(profileTables(profile.summary));
  }

  const file = path.join(outDir('results'), `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
  const saved = { machine, settings, addMessage, shapes, profiles: profiles.map(({ summary, ...rest }) => rest) };
  writeFileSync(file, JSON.stringify(saved, null, 2));
  log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
