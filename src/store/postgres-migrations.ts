import type pg from 'pg';
import { inTransaction } from './postgres-connection.js';

/**
 * The PostgreSQL store's numbered schema migrations, its own sequence (SQLite's are in
 * `migrations.ts`). A migration is never edited once released; a change is a new entry. Times are
 * BIGINT epoch ms, USD DOUBLE PRECISION, structured values JSONB. Tables with an identity `seq` keep
 * insertion order, which SQLite's `rowid` gives for free, as the tie-break of time orderings.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        impact TEXT NOT NULL,
        title TEXT NOT NULL,
        components JSONB NOT NULL,
        deployments JSONB NOT NULL,
        started_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        resolved_at BIGINT,
        evidence JSONB NOT NULL,
        manual BOOLEAN NOT NULL
      );
      CREATE INDEX incidents_by_start ON incidents (started_at, seq);
      CREATE INDEX incidents_open ON incidents (started_at, seq) WHERE resolved_at IS NULL;
      CREATE TABLE incident_updates (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        at BIGINT NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, seq);
      CREATE TABLE component_samples (
        component TEXT NOT NULL,
        minute BIGINT NOT NULL,
        status TEXT NOT NULL,
        severity SMALLINT NOT NULL,
        PRIMARY KEY (component, minute)
      );
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        provider TEXT NOT NULL,
        deployment TEXT NOT NULL,
        message TEXT NOT NULL,
        resolved_at BIGINT
      );
      CREATE INDEX alerts_by_time ON alerts (at, seq);
      CREATE INDEX alerts_open ON alerts (at, seq) WHERE resolved_at IS NULL;
      CREATE TABLE maintenance (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        title TEXT NOT NULL,
        components JSONB NOT NULL,
        starts_at BIGINT NOT NULL,
        ends_at BIGINT NOT NULL,
        body TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX maintenance_by_end ON maintenance (ends_at);
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        url TEXT NOT NULL,
        event JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        next_attempt_at BIGINT,
        -- A sender's claim (Store.dueDeliveries with a lease): not due for anyone else before it.
        claimed_until BIGINT,
        delivered_at BIGINT,
        last_error TEXT
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (created_at, seq) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_by_creation ON webhook_deliveries (created_at, seq);

      -- The request log. Attempts are JSONB (read back whole, and queryable with @> when needed); the
      -- columns filtered and grouped on are plain. id sorts bytewise ("C") as SQLite's TEXT does, so
      -- the (time, id) cursor pages alike on both.
      CREATE TABLE request_log (
        id TEXT COLLATE "C" PRIMARY KEY,
        time BIGINT NOT NULL,
        key TEXT,
        surface TEXT NOT NULL,
        stream BOOLEAN NOT NULL,
        requested_model TEXT NOT NULL,
        answering_model TEXT,
        deployment TEXT,
        attempts JSONB NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        finish_reason TEXT,
        input_tokens BIGINT,
        output_tokens BIGINT,
        cached_tokens BIGINT,
        reasoning_tokens BIGINT,
        cost_usd DOUBLE PRECISION,
        latency_ms INTEGER NOT NULL,
        time_to_first_token_ms INTEGER,
        route_reason TEXT,
        request_body TEXT,
        response_body TEXT
      );
      CREATE INDEX request_log_by_time ON request_log (time, id);
      CREATE INDEX request_log_by_model ON request_log (requested_model, time);
      CREATE INDEX request_log_by_deployment ON request_log (deployment, time);
      CREATE INDEX request_log_by_key ON request_log (key, time);

      -- Client keys (only the SHA-256 of the secret), the budget ledger (settled spend per key in
      -- batches, the truth every spend counter is rebuilt from) and the budget alerts already sent.
      CREATE TABLE client_keys (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT,
        scopes JSONB NOT NULL,
        metadata JSONB NOT NULL
      );
      CREATE TABLE spend_ledger (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        usd DOUBLE PRECISION NOT NULL
      );
      CREATE INDEX spend_ledger_by_key ON spend_ledger (key_id, at);
      CREATE TABLE budget_alerts (
        key_id TEXT NOT NULL,
        period_start BIGINT NOT NULL,
        threshold DOUBLE PRECISION NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (key_id, period_start, threshold)
      );
    `,
  },
  {
    version: 2,
    // Named leases (Store.acquireLease): one holder at a time, e.g. the replica that runs the
    // incident detector's writes.
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 6,
    // Canary results (DESIGN.md §7); `pass` is 1, 0, or null when the host did not answer (an
    // integer, as in SQLite, so both engines share their queries).
    sql: `
      CREATE TABLE canary_results (
        id BIGSERIAL PRIMARY KEY,
        deployment TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        suite TEXT NOT NULL,
        case_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        pass SMALLINT,
        detail TEXT NOT NULL,
        failure_class TEXT,
        latency_ms BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        response_model TEXT
      );
      CREATE INDEX canary_results_by_deployment ON canary_results (deployment, at);
      CREATE INDEX canary_results_by_provider ON canary_results (provider, at);
      CREATE INDEX canary_results_by_time ON canary_results (at);
    `,
  },
];

/** The table that records which migrations a schema has. */
const VERSIONS_TABLE = 'detour_schema_migrations';

/**
 * Arbitrary first key of the advisory lock ("DTR1"); the second is the schema's hash, so stores in
 * different schemas of one database do not wait for each other.
 */
const LOCK_CLASS = 0x44545231;

/**
 * Brings the schema first on the pool's `search_path` (created here when `schema` is given) up to
 * the last migration, in one transaction under a transaction-scoped advisory lock: replicas starting
 * at once queue on the lock, the first applies what is missing, the others find it applied. The
 * lock ends with the transaction, so a replica that dies mid-migration releases it and leaves
 * nothing half done. Returns the version now applied.
 */
export async function migratePostgres(
  pool: pg.Pool,
  schema?: string,
  migrations: ReadonlyArray<{ version: number; sql: string }> = POSTGRES_MIGRATIONS,
): Promise<number> {
  return inTransaction(pool, async (client) => {
    const target = schema ?? (await currentSchema(client));
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, target]);
    // Under the lock: two replicas creating the schema at once would otherwise collide.
    if (schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET LOCAL search_path TO ${schema}`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
    );
    const applied = await client.query<{ version: number | null }>(
      `SELECT MAX(version) AS version FROM ${VERSIONS_TABLE}`,
    );
    let current = applied.rows[0]?.version ?? 0;
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${VERSIONS_TABLE} (version, applied_at)
         VALUES ($1, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT)`,
        [migration.version],
      );
      current = migration.version;
    }
    return current;
  });
}

/** The schema new tables go to; an error when the `search_path` names none that exists. */
async function currentSchema(client: pg.PoolClient): Promise<string> {
  const result = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = result.rows[0]?.schema;
  if (typeof schema !== 'string') {
    throw new Error('PostgreSQL store: no schema of the search_path exists; create it or pass `schema`');
  }
  return schema;
}
