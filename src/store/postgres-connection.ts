import pg from 'pg';

/** The PostgreSQL store's pool, its transactions and its reading of errors (rows: `read-row.ts`). */

/** What runs a statement: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Schema names the store accepts: plain identifiers, so they need no quoting anywhere. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** @throws RangeError when `schema` is not a plain lower-case identifier. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(
      `schema "${schema}" must be a lower-case identifier (a-z, 0-9, _), at most 63 characters`,
    );
  }
  return schema;
}

/**
 * A pool on `url`. With `schema`, every connection starts with it as its `search_path`, set in the
 * startup packet (`options=-c search_path=…`, as libpq spells it), so no statement can run before
 * it; `options` already in the URL are kept, the schema's setting after them.
 */
export function openPool(url: string, schema?: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ ...connectionOf(url, schema), max });
  // An idle client losing its connection (a server restart) must not crash the process; the pool
  // drops it and the next checkout connects afresh.
  pool.on('error', () => undefined);
  return pool;
}

function connectionOf(url: string, schema: string | undefined): pg.PoolConfig {
  if (schema === undefined) return { connectionString: url };
  const setting = `-c search_path=${checkSchemaName(schema)}`;
  // pg lets a URL's own `options` override the config's, so those are merged into the URL.
  if (!/[?&]options=/.test(url)) return { connectionString: url, options: setting };
  const parsed = new URL(url);
  parsed.searchParams.set('options', `${parsed.searchParams.get('options') ?? ''} ${setting}`.trim());
  return { connectionString: parsed.toString() };
}

/** Runs `work` in one transaction on one client: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A client that cannot even roll back has lost its connection: destroyed, not pooled again.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** SQLSTATE 23505: a unique or primary key constraint refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === '23505';
}
