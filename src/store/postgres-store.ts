import type pg from 'pg';
import { newId } from '../core/index.js';
import * as canaries from './canary-results-sql.js';
import * as access from './postgres-access.js';
import { checkSchemaName, inTransaction, openPool, type Queryable } from './postgres-connection.js';
import { migratePostgres } from './postgres-migrations.js';
import * as outbox from './postgres-outbox.js';
import * as requestLog from './postgres-request-log.js';
import {
  num,
  optionalNumber,
  parsedJson,
  type Row,
  resolvedCondition,
  toAlert,
  toMaintenance,
} from './read-row.js';
import type {
  Alert,
  CanaryResult,
  CanaryResultQuery,
  CanaryTally,
  CanaryTallyQuery,
  ClientKeyChanges,
  ClientKeyRecord,
  ComponentSample,
  ComponentStatus,
  DailyUptime,
  Incident,
  IncidentChanges,
  IncidentUpdate,
  Maintenance,
  RequestLogFilter,
  RequestLogPage,
  RequestLogRow,
  SpendEntry,
  Store,
  UsageBucket,
  UsageQuery,
  WebhookDelivery,
} from './types.js';
import { STATUS_SEVERITY } from './types.js';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** Connection URL (`postgres://user:password@host:5432/database`). */
  url: string;
  /**
   * Schema for Detour's tables, created when missing (a lower-case identifier). Without it the
   * tables go to the first schema of the connection's `search_path`, usually `public`.
   */
  schema?: string;
  /** How often buffered samples are written, in ms; default 1 s. */
  flushIntervalMs?: number;
  /** Connections in the pool; default 10. */
  poolSize?: number;
}

const DAY_MS = 86_400_000;

/** Samples kept while the database cannot be written; past this the oldest are dropped. */
const MAX_BUFFERED_SAMPLES = 10_000;

function toUpdate(row: Row): IncidentUpdate {
  return {
    id: String(row.id),
    at: num(row.at),
    status: row.status as IncidentUpdate['status'],
    body: String(row.body),
  };
}

function toIncident(row: Row, updates: IncidentUpdate[]): Incident {
  const incident: Incident = {
    id: String(row.id),
    kind: row.kind as Incident['kind'],
    status: row.status as Incident['status'],
    impact: row.impact as Incident['impact'],
    title: String(row.title),
    components: row.components as string[],
    deployments: row.deployments as string[],
    startedAt: num(row.started_at),
    updatedAt: num(row.updated_at),
    evidence: row.evidence as Record<string, unknown>,
    manual: row.manual === true,
    updates,
  };
  const resolvedAt = optionalNumber(row.resolved_at);
  if (resolvedAt !== undefined) incident.resolvedAt = resolvedAt;
  return incident;
}

/** Incidents matching `where`, newest first, each with its timeline (read in one more statement). */
async function readIncidents(
  db: Queryable,
  where: string,
  values: unknown[],
  limit: number,
): Promise<Incident[]> {
  const found = await db.query(
    `SELECT * FROM incidents ${where} ORDER BY started_at DESC, seq DESC LIMIT $${values.length + 1}`,
    [...values, limit],
  );
  if (found.rows.length === 0) return [];
  const updates = await db.query('SELECT * FROM incident_updates WHERE incident_id = ANY($1) ORDER BY seq', [
    found.rows.map((row) => row.id),
  ]);
  const byIncident = new Map<string, IncidentUpdate[]>();
  for (const row of updates.rows) {
    const list = byIncident.get(String(row.incident_id)) ?? [];
    list.push(toUpdate(row));
    byIncident.set(String(row.incident_id), list);
  }
  return found.rows.map((row) => toIncident(row, byIncident.get(String(row.id)) ?? []));
}

async function insertUpdate(db: Queryable, incidentId: string, update: Omit<IncidentUpdate, 'id'>) {
  await db.query(
    'INSERT INTO incident_updates (id, incident_id, at, status, body) VALUES ($1, $2, $3, $4, $5)',
    [newId('upd'), incidentId, update.at, update.status, update.body],
  );
}

/** Canary rows per INSERT: 12 values each stays far below either engine's parameter limit. */
const CANARY_BATCH = 500;

/**
 * The scale-out store: PostgreSQL through a `pg` pool, shared by every replica of Detour. Its schema
 * comes from its own numbered migrations, applied at open under an advisory lock (replicas starting
 * at once do not race). Writes that several replicas make to one row are atomic in SQL (ON CONFLICT,
 * row locks), and the webhook outbox is claimed with leases, so each delivery has one sender.
 * Status samples are buffered and written once a second in one statement, like SQLite's.
 */
export class PostgresStore implements Store {
  private buffer: ComponentSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    /** The schema version now (the last migration applied). */
    readonly schemaVersion: number,
    flushIntervalMs: number,
  ) {
    this.timer = setInterval(() => {
      // A failed write keeps its samples for the next tick; nothing here may throw into the timer.
      void this.flushSamples().catch(() => undefined);
    }, flushIntervalMs);
    this.timer.unref();
  }

  /** Connects, applies the migrations still missing, and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
    const pool = openPool(options.url, schema, options.poolSize);
    try {
      const version = await migratePostgres(pool, schema);
      return new PostgresStore(pool, version, options.flushIntervalMs ?? 1_000);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  async createIncident(
    incident: Omit<Incident, 'updates'>,
    first: Omit<IncidentUpdate, 'id'>,
  ): Promise<Incident> {
    return inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO incidents (id, kind, status, impact, title, components, deployments, started_at,
           updated_at, resolved_at, evidence, manual)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          incident.id,
          incident.kind,
          incident.status,
          incident.impact,
          incident.title,
          JSON.stringify(incident.components),
          JSON.stringify(incident.deployments),
          incident.startedAt,
          incident.updatedAt,
          incident.resolvedAt ?? null,
          JSON.stringify(incident.evidence),
          incident.manual,
        ],
      );
      await insertUpdate(client, incident.id, first);
      return this.mustGet(client, incident.id);
    });
  }

  async addIncidentUpdate(
    id: string,
    update: Omit<IncidentUpdate, 'id'>,
    changes: IncidentChanges,
  ): Promise<Incident> {
    return inTransaction(this.pool, async (client) => {
      const columns: Record<string, unknown> = { updated_at: update.at };
      if (changes.status !== undefined) columns.status = changes.status;
      if (changes.impact !== undefined) columns.impact = changes.impact;
      if (changes.title !== undefined) columns.title = changes.title;
      if (changes.evidence !== undefined) columns.evidence = JSON.stringify(changes.evidence);
      if (changes.resolvedAt !== undefined) columns.resolved_at = changes.resolvedAt;
      const sets = Object.keys(columns).map((column, index) => `${column} = $${index + 2}`);
      // The UPDATE locks the incident's row: updates from several replicas apply one at a time.
      const updated = await client.query(`UPDATE incidents SET ${sets.join(', ')} WHERE id = $1`, [
        id,
        ...Object.values(columns),
      ]);
      if (updated.rowCount !== 1) throw new Error(`no incident "${id}"`);
      await insertUpdate(client, id, update);
      return this.mustGet(client, id);
    });
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    return (await readIncidents(this.pool, 'WHERE id = $1', [id], 1))[0];
  }

  async listIncidents(query: { open?: boolean; since?: number; limit?: number }): Promise<Incident[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.open !== undefined) where.push(resolvedCondition(query.open));
    if (query.since !== undefined) {
      values.push(query.since);
      where.push(
        `(started_at >= $${values.length} OR resolved_at IS NULL OR resolved_at >= $${values.length})`,
      );
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return readIncidents(this.pool, clause, values, query.limit ?? 100);
  }

  recordSamples(samples: readonly ComponentSample[]): void {
    if (this.closed) return;
    this.buffer.push(...samples);
    if (this.buffer.length >= 1_000) void this.flushSamples().catch(() => undefined);
  }

  async dailyUptime(component: string, days: number, now: number): Promise<DailyUptime[]> {
    await this.flushSamples();
    const today = Math.floor(now / DAY_MS);
    const first = today - days + 1;
    const result = await this.pool.query(
      `SELECT minute / ${DAY_MS} AS day, status, COUNT(*) AS minutes FROM component_samples
       WHERE component = $1 AND minute >= $2 AND minute < $3 GROUP BY day, status`,
      [component, first * DAY_MS, (today + 1) * DAY_MS],
    );
    const byDay = new Map<number, DailyUptime['minutes']>();
    for (const row of result.rows) {
      const day = num(row.day);
      const minutes = byDay.get(day) ?? {};
      minutes[row.status as ComponentStatus] = num(row.minutes);
      byDay.set(day, minutes);
    }
    const uptime: DailyUptime[] = [];
    for (let day = first; day <= today; day += 1) {
      uptime.push({ day: new Date(day * DAY_MS).toISOString().slice(0, 10), minutes: byDay.get(day) ?? {} });
    }
    return uptime;
  }

  async recordAlert(alert: Omit<Alert, 'id' | 'resolvedAt'>): Promise<Alert> {
    const id = newId('alert');
    await this.pool.query(
      'INSERT INTO alerts (id, at, kind, provider, deployment, message) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, alert.at, alert.kind, alert.provider, alert.deployment, alert.message],
    );
    return { ...alert, id };
  }

  async resolveAlert(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE alerts SET resolved_at = $2 WHERE id = $1 AND resolved_at IS NULL', [
      id,
      at,
    ]);
  }

  async listAlerts(query: { open?: boolean; limit?: number }): Promise<Alert[]> {
    const result = await this.pool.query(
      `SELECT * FROM alerts ${query.open === undefined ? '' : `WHERE ${resolvedCondition(query.open)}`}
       ORDER BY at DESC, seq DESC LIMIT $1`,
      [query.limit ?? 100],
    );
    return result.rows.map(toAlert);
  }

  async createMaintenance(window: Omit<Maintenance, 'id'>): Promise<Maintenance> {
    const id = newId('maint');
    await this.pool.query(
      `INSERT INTO maintenance (id, title, components, starts_at, ends_at, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        window.title,
        JSON.stringify(window.components),
        window.startsAt,
        window.endsAt,
        window.body ?? null,
        window.createdAt,
      ],
    );
    return { ...window, id };
  }

  async listMaintenance(query: { activeAt?: number; from?: number }): Promise<Maintenance[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.activeAt !== undefined) {
      values.push(query.activeAt);
      where.push(`starts_at <= $${values.length} AND ends_at > $${values.length}`);
    }
    if (query.from !== undefined) {
      values.push(query.from);
      where.push(`ends_at > $${values.length}`);
    }
    const result = await this.pool.query(
      `SELECT * FROM maintenance ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY starts_at, seq`,
      values,
    );
    return result.rows.map((row) => toMaintenance(row, parsedJson));
  }

  async enqueueDelivery(input: {
    url: string;
    event: Record<string, unknown>;
    now: number;
  }): Promise<WebhookDelivery> {
    return outbox.enqueueDelivery(this.pool, input);
  }

  async dueDeliveries(now: number, limit: number, leaseMs?: number): Promise<WebhookDelivery[]> {
    return outbox.dueDeliveries(this.pool, now, limit, leaseMs);
  }

  async markDelivered(id: string, at: number): Promise<void> {
    await outbox.markDelivered(this.pool, id, at);
  }

  async markAttemptFailed(id: string, error: string, next: number | null): Promise<void> {
    await outbox.markAttemptFailed(this.pool, id, error, next);
  }

  async listDeliveries(query: {
    status?: WebhookDelivery['status'];
    limit?: number;
  }): Promise<WebhookDelivery[]> {
    return outbox.listDeliveries(this.pool, query);
  }

  async insertRequestLogs(rows: readonly RequestLogRow[]): Promise<void> {
    await requestLog.insertRequestLogs(this.pool, rows);
  }

  async listRequestLogs(
    query: RequestLogFilter & { limit?: number; cursor?: string },
  ): Promise<RequestLogPage> {
    return requestLog.listRequestLogs(this.pool, query);
  }

  async aggregateUsage(query: UsageQuery): Promise<UsageBucket[]> {
    return requestLog.aggregateUsage(this.pool, query);
  }

  async deleteRequestLogsBefore(time: number): Promise<number> {
    return requestLog.deleteRequestLogsBefore(this.pool, time);
  }

  async recordCanaryResults(rows: readonly CanaryResult[]): Promise<void> {
    if (rows.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      for (let start = 0; start < rows.length; start += CANARY_BATCH) {
        const { sql, values } = canaries.insertStatement(rows.slice(start, start + CANARY_BATCH), 'postgres');
        await client.query(sql, values);
      }
    });
  }

  async listCanaryResults(query: CanaryResultQuery): Promise<CanaryResult[]> {
    const parameters = new canaries.SqlParameters('postgres');
    const sql = canaries.listStatement(query, parameters);
    return (await this.pool.query(sql, parameters.values)).rows.map(canaries.toCanaryResult);
  }

  async tallyCanaries(query: CanaryTallyQuery): Promise<CanaryTally[]> {
    const parameters = new canaries.SqlParameters('postgres');
    const sql = canaries.tallyStatement(query, parameters);
    return (await this.pool.query(sql, parameters.values)).rows.map(canaries.toCanaryTally);
  }

  async sumCanaryCost(provider: string, since: number): Promise<number> {
    const result = await this.pool.query<{ total: number }>(canaries.SUM_COST_SQL.postgres, [
      provider,
      since,
    ]);
    return Number(result.rows[0]?.total ?? 0);
  }

  async deleteCanaryResultsBefore(time: number): Promise<number> {
    return (await this.pool.query(canaries.DELETE_BEFORE_SQL.postgres, [time])).rowCount ?? 0;
  }

  async insertClientKey(key: ClientKeyRecord): Promise<void> {
    await access.insertClientKey(this.pool, key);
  }

  async findClientKeyByHash(hash: string): Promise<ClientKeyRecord | undefined> {
    return access.findClientKey(this.pool, 'hash', hash);
  }

  async getClientKey(id: string): Promise<ClientKeyRecord | undefined> {
    return access.findClientKey(this.pool, 'id', id);
  }

  async listClientKeys(): Promise<ClientKeyRecord[]> {
    return access.listClientKeys(this.pool);
  }

  async updateClientKey(id: string, changes: ClientKeyChanges): Promise<ClientKeyRecord> {
    return access.updateClientKey(this.pool, id, changes);
  }

  async recordSpend(entries: readonly SpendEntry[]): Promise<void> {
    await access.recordSpend(this.pool, entries);
  }

  async sumSpend(keyId: string, since: number): Promise<number> {
    return access.sumSpend(this.pool, keyId, since);
  }

  async claimBudgetAlert(
    keyId: string,
    periodStart: number,
    threshold: number,
    at: number,
  ): Promise<boolean> {
    return access.claimBudgetAlert(this.pool, keyId, periodStart, threshold, at);
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    // ON CONFLICT locks the existing row, so replicas racing for it are served one after the other,
    // each seeing the last one's commit; the WHERE leaves another holder's running lease alone, and
    // then RETURNING gives no row.
    const result = await this.pool.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE leases.expires_at <= $4 OR leases.holder = EXCLUDED.holder
       RETURNING holder`,
      [name, holder, now + ttlMs, now],
    );
    return result.rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async flush(): Promise<void> {
    await this.flushSamples();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.flushSamples();
    } finally {
      await this.pool.end();
    }
  }

  /** Writes buffered samples after any write already under way (writes never overlap). */
  private flushSamples(): Promise<void> {
    const write = this.flushing.then(() => this.writeSamples());
    this.flushing = write.catch(() => undefined);
    return write;
  }

  /**
   * One upsert for the whole buffer; a worse status replaces a better one in a minute. The batch is
   * reduced first to one sample per component and minute (the worst, the later of equals, as SQLite
   * keeps them), since one INSERT may not update a row twice.
   */
  private async writeSamples(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const worst = new Map<string, ComponentSample>();
    for (const sample of batch) {
      const key = `${sample.minute}\u0000${sample.component}`;
      const kept = worst.get(key);
      if (kept === undefined || STATUS_SEVERITY[sample.status] >= STATUS_SEVERITY[kept.status])
        worst.set(key, sample);
    }
    const samples = [...worst.values()];
    try {
      await this.pool.query(
        `INSERT INTO component_samples (component, minute, status, severity)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::smallint[])
         ON CONFLICT (component, minute) DO UPDATE SET status = excluded.status, severity = excluded.severity
         WHERE excluded.severity >= component_samples.severity`,
        [
          samples.map((sample) => sample.component),
          samples.map((sample) => sample.minute),
          samples.map((sample) => sample.status),
          samples.map((sample) => STATUS_SEVERITY[sample.status]),
        ],
      );
    } catch (error) {
      // Kept for the next write, ahead of newer samples so those still win their minute.
      this.buffer = [...samples, ...this.buffer].slice(-MAX_BUFFERED_SAMPLES);
      throw error;
    }
  }

  private async mustGet(db: Queryable, id: string): Promise<Incident> {
    const [incident] = await readIncidents(db, 'WHERE id = $1', [id], 1);
    if (incident === undefined) throw new Error(`no incident "${id}"`);
    return incident;
  }
}
