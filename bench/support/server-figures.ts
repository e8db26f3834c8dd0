/**
 * What the server says about its storage on GET /metrics: group-commit transactions and the writes
 * they carried (SQLite), and the connection pool (PostgreSQL, MySQL). Any figure it does not report
 * is left out; a server without /metrics (the ceiling) reports nothing.
 */
export interface ServerFigures {
  batches?: number;
  batchedWrites?: number;
  poolInUse?: number;
  poolWaiting?: number;
}

const NAMES: Record<string, keyof ServerFigures> = {
  parley_storage_write_batches_total: 'batches',
  parley_storage_batched_writes_total: 'batchedWrites',
  'parley_storage_pool_connections{state="in_use"}': 'poolInUse',
  'parley_storage_pool_connections{state="waiting"}': 'poolWaiting',
};

export async function scrapeFigures(url: string): Promise<ServerFigures> {
  try {
    const response = await fetch(`${url}/metrics`);
    if (!response.ok) return {};
    const figures: ServerFigures = {};
    for (const line of (await response.text()).split('\n')) {
      const [name, value] = line.split(' ');
      const key = name === undefined ? undefined : NAMES[name];
      if (key !== undefined && value !== undefined) figures[key] = Number(value);
    }
    return figures;
  } catch {
    return {};
  }
}

/** Writes per group-commit transaction between two scrapes, when the server reports them. */
export function writesPerCommit(before: ServerFigures, after: ServerFigures): number | undefined {
  if (after.batches === undefined || before.batches === undefined) return undefined;
  const batches = after.batches - before.batches;
  const writes = (after.batchedWrites ?? 0) - (before.batchedWrites ?? 0);
  return batches > 0 ? writes / batches : undefined;
}
