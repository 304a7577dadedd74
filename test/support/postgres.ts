import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { requireService } from './requires-service.js';

/** The database tests use; every test store lives in a schema of its own there. */
export const POSTGRES_TEST_URL =
  process.env.DETOUR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when PostgreSQL answers (see {@link requireService}: in CI, a failure instead of false). */
export function requirePostgres(): Promise<boolean> {
  const url = new URL(POSTGRES_TEST_URL);
  return requireService({
    name: 'PostgreSQL',
    host: url.hostname,
    port: Number(url.port || 5432),
    howToRun: `start PostgreSQL on ${url.hostname}:${url.port || 5432} with a database "${url.pathname.slice(1)}" (or set DETOUR_TEST_POSTGRES_URL)`,
  });
}

/** A schema name no other test run uses. */
export function uniqueSchema(label: string): string {
  return `detour_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs statements on the test database with a connection of their own. */
export async function onTestDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function dropSchema(schema: string): Promise<void> {
  return onTestDatabase(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}
