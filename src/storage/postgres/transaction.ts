import type pg from 'pg';

/**
 * Runs `work` on one pooled connection inside BEGIN/COMMIT, rolling back when it throws. The
 * connection always goes back to the pool, or is destroyed when it broke on the way.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out connection that dies between two queries emits 'error'; unheard, that would crash the process.
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(onError);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
