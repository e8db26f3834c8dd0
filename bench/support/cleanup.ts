/**
 * Databases and servers the run made are removed however it ends: each owner registers an undo, and
 * an interrupted run (Ctrl-C, SIGTERM) runs them all before exiting. Undos must be safe to run twice.
 */
const undos = new Set<() => Promise<unknown>>();

export function onExit(undo: () => Promise<unknown>): void {
  undos.add(undo);
}

export async function cleanUp(): Promise<void> {
  const pending = [...undos].reverse();
  undos.clear();
  for (const undo of pending) await undo().catch(() => {});
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: removing the benchmark's databases and servers\n`);
    cleanUp().finally(() => process.exit(130));
  });
}
