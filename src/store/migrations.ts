/**
 * Numbered schema migrations, applied in order at start. A migration is never edited once released;
 * a change is a new entry. The SQLite store tracks the applied number in `PRAGMA user_version`.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        impact TEXT NOT NULL,
        title TEXT NOT NULL,
        components TEXT NOT NULL,
        deployments TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER,
        evidence TEXT NOT NULL,
        manual INTEGER NOT NULL
      );
      CREATE INDEX incidents_by_start ON incidents (started_at);
      CREATE TABLE incident_updates (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id),
        at INTEGER NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, seq);
      CREATE TABLE component_samples (
        component TEXT NOT NULL,
        minute INTEGER NOT NULL,
        status TEXT NOT NULL,
        severity INTEGER NOT NULL,
        PRIMARY KEY (component, minute)
      ) WITHOUT ROWID;
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        provider TEXT NOT NULL,
        deployment TEXT NOT NULL,
        message TEXT NOT NULL,
        resolved_at INTEGER
      );
      CREATE TABLE maintenance (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        components TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        body TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        event TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        next_attempt_at INTEGER,
        delivered_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    `,
  },
  {
    version: 2,
    // The request log. Attempts are JSON (read back whole, never queried into); the columns
    // filtered and grouped on are plain. `outcome` is 'success', a failure class or 'abandoned'.
    sql: `
      CREATE TABLE request_log (
        id TEXT PRIMARY KEY,
        time INTEGER NOT NULL,
        key TEXT,
        surface TEXT NOT NULL,
        stream INTEGER NOT NULL,
        requested_model TEXT NOT NULL,
        answering_model TEXT,
        deployment TEXT,
        attempts TEXT NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        finish_reason TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cached_tokens INTEGER,
        reasoning_tokens INTEGER,
        cost_usd REAL,
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
    `,
  },
  {
    version: 3,
    // Client keys (only the SHA-256 of the secret), the budget ledger (settled spend per key in batches,
    // the truth every spend counter is rebuilt from) and the budget alerts already sent.
    sql: `
      CREATE TABLE client_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        scopes TEXT NOT NULL,
        metadata TEXT NOT NULL
      );
      CREATE TABLE spend_ledger (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        usd REAL NOT NULL
      );
      CREATE INDEX spend_ledger_by_key ON spend_ledger (key_id, at);
      CREATE TABLE budget_alerts (
        key_id TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        threshold REAL NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (key_id, period_start, threshold)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    // A sender's claim on a delivery (Store.dueDeliveries with a lease): until this time no other
    // sender reads it as due, so replicas sharing one outbox send each delivery once.
    sql: `
      ALTER TABLE webhook_deliveries ADD COLUMN claimed_until INTEGER;
    `,
  },
  {
    version: 5,
    // Named leases (Store.acquireLease): one holder at a time, e.g. the replica that runs the
    // incident detector's writes.
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    // Canary results (DESIGN.md §7): one row per run on one deployment; `pass` is 1, 0, or null
    // when the host did not answer. Read by deployment and time (drift statistics, explain) and by
    // provider and time (the monthly canary cost cap).
    sql: `
      CREATE TABLE canary_results (
        deployment TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        suite TEXT NOT NULL,
        case_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        pass INTEGER,
        detail TEXT NOT NULL,
        failure_class TEXT,
        latency_ms INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        response_model TEXT
      );
      CREATE INDEX canary_results_by_deployment ON canary_results (deployment, at);
      CREATE INDEX canary_results_by_provider ON canary_results (provider, at);
      CREATE INDEX canary_results_by_time ON canary_results (at);
    `,
  },
];
