import { parseArgs } from 'node:util';
import { type GeneratedBackend, generateDataset, parseSize } from './generate/dataset.js';
import { cleanUp } from './support/cleanup.js';

/**
 * Bulk-loads a realistic, skewed data set straight into a database through SQL (see generate/plan.ts):
 *
 *   npx tsx bench/generate.ts --backend sqlite --size 1m [--deep 1000000]
 *   npx tsx bench/generate.ts --backend postgres --size 10m
 *
 * SQLite data goes to bench/out/data/dataset-<size>-deep<n>.db, with a manifest beside it; a
 * PostgreSQL database is created under a unique name and kept (its name and the command to drop it
 * are printed). Start the server on it with the DATABASE_URL printed.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'sqlite' },
      size: { type: 'string', default: '10k' },
      deep: { type: 'string', default: '0' },
    },
  });
  const backend = values.backend as GeneratedBackend;
  if (backend !== 'sqlite' && backend !== 'postgres')
    throw new Error(`--backend is sqlite or postgres, got ${backend}`);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const { database, manifest } = await generateDataset({
    backend,
    size: parseSize(values.size),
    deepChat: parseSize(values.deep),
    log,
    keep: true,
  });
  log(`DATABASE_URL=${database.url}`);
  log(`probes: ${JSON.stringify({ ...manifest.probes, writeChats: `${manifest.probes.writeChats.length} chats` })}`);
  if (backend === 'postgres') {
    const name = new URL(database.url).pathname.slice(1);
    log(`drop it with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE "${name}" WITH (FORCE)'`);
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `generate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(cleanUp);
