import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';

/**
 * Where the test databases live. The machine's services are shared: every test creates a database of
 * its own with a unique name and drops it afterwards, and never reconfigures the server.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** A fresh database name, unique across test processes and runs. */
export function uniqueDatabaseName(): string {
  return `parley_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Replaces the database (path) part of a URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Declares a suite that needs a service. Without the service the suite is skipped with a message that
 * names it; under CI=true a missing service fails instead, so CI never passes by skipping.
 */
export function describeWithService(name: string, available: boolean, service: string, suite: () => void): void {
  if (available) {
    describe(name, suite);
    return;
  }
  const reason = `${service} is not reachable; start it to run this suite`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${reason} (CI=true: a missing service is a failure)`);
    });
    return;
  }
  process.stderr.write(`SKIPPED ${name}: ${reason}\n`);
  describe(name, { skip: reason }, () => {});
}
