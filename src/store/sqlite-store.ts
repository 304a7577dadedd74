import Database from 'better-sqlite3';
import { newId } from '../core/index.js';
import * as canaries from './canary-results-sql.js';
import { MIGRATIONS } from './migrations.js';
import {
  num,
  optionalNumber,
  parseJsonText,
  type Row,
  resolvedCondition,
  toAlert,
  toDelivery,
  toMaintenance,
} from './read-row.js';
import { SqliteAccessStatements } from './sqlite-access.js';
import {
  aggregateUsage,
  deleteRequestLogsBefore,
  insertRequestLogs,
  listRequestLogs,
} from './sqlite-request-log.js';
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

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  /** How often buffered samples are written, in ms; default 1 s. */
  flushIntervalMs?: number;
}

const DAY_MS = 86_400_000;

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Canary rows per INSERT: 12 values each stays far below either engine's parameter limit. */
const CANARY_BATCH = 500;

/**
 * The embedded store: one SQLite file in WAL mode (readers never wait for the writer), schema from
 * numbered migrations at open. better-sqlite3 is synchronous, so writes stay off the request path by
 * where they happen: the detector's timer, the outbox sender, a batch of status samples written
 * once a second in one transaction, and the request-log writer's batches (`src/usage/`).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly access: SqliteAccessStatements;
  private buffer: ComponentSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.access = new SqliteAccessStatements(this.db);
    this.timer = setInterval(() => this.writeSamples(), options.flushIntervalMs ?? 1_000);
    this.timer.unref();
  }

  /** The schema version now (the last migration applied). */
  get schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const current = this.schemaVersion;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db.pragma(`user_version = ${migration.version}`);
      })();
    }
  }

  async createIncident(
    incident: Omit<Incident, 'updates'>,
    first: Omit<IncidentUpdate, 'id'>,
  ): Promise<Incident> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO incidents (id, kind, status, impact, title, components, deployments, started_at,
             updated_at, resolved_at, evidence, manual)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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
          incident.manual ? 1 : 0,
        );
      this.insertUpdate(incident.id, first);
    })();
    return this.mustGet(incident.id);
  }

  async addIncidentUpdate(
    id: string,
    update: Omit<IncidentUpdate, 'id'>,
    changes: IncidentChanges,
  ): Promise<Incident> {
    this.db.transaction(() => {
      const found = this.db.prepare('SELECT id FROM incidents WHERE id = ?').get(id);
      if (found === undefined) throw new Error(`no incident "${id}"`);
      const columns: Record<string, unknown> = { updated_at: update.at };
      if (changes.status !== undefined) columns.status = changes.status;
      if (changes.impact !== undefined) columns.impact = changes.impact;
      if (changes.title !== undefined) columns.title = changes.title;
      if (changes.evidence !== undefined) columns.evidence = JSON.stringify(changes.evidence);
      if (changes.resolvedAt !== undefined) columns.resolved_at = changes.resolvedAt;
      const sets = Object.keys(columns).map((column) => `${column} = ?`);
      const values = Object.values(columns);
      this.db.prepare(`UPDATE incidents SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      this.insertUpdate(id, update);
    })();
    return this.mustGet(id);
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : this.toIncident(row);
  }

  async listIncidents(query: { open?: boolean; since?: number; limit?: number }): Promise<Incident[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.open !== undefined) where.push(resolvedCondition(query.open));
    if (query.since !== undefined) {
      where.push('(started_at >= ? OR resolved_at IS NULL OR resolved_at >= ?)');
      values.push(query.since, query.since);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM incidents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY started_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...values, query.limit ?? 100) as Row[];
    return rows.map((row) => this.toIncident(row));
  }

  recordSamples(samples: readonly ComponentSample[]): void {
    if (this.closed) return;
    this.buffer.push(...samples);
    if (this.buffer.length >= 1_000) this.writeSamples();
  }

  async dailyUptime(component: string, days: number, now: number): Promise<DailyUptime[]> {
    this.writeSamples();
    const today = Math.floor(now / DAY_MS);
    const first = today - days + 1;
    const rows = this.db
      .prepare(
        `SELECT minute / ${DAY_MS} AS day, status, COUNT(*) AS minutes FROM component_samples
         WHERE component = ? AND minute >= ? AND minute < ? GROUP BY day, status`,
      )
      .all(component, first * DAY_MS, (today + 1) * DAY_MS) as Row[];
    const byDay = new Map<number, DailyUptime['minutes']>();
    for (const row of rows) {
      const day = num(row.day);
      const minutes = byDay.get(day) ?? {};
      minutes[row.status as ComponentStatus] = num(row.minutes);
      byDay.set(day, minutes);
    }
    const result: DailyUptime[] = [];
    for (let day = first; day <= today; day += 1) {
      result.push({ day: dayOf(day * DAY_MS), minutes: byDay.get(day) ?? {} });
    }
    return result;
  }

  async recordAlert(alert: Omit<Alert, 'id' | 'resolvedAt'>): Promise<Alert> {
    const id = newId('alert');
    this.db
      .prepare('INSERT INTO alerts (id, at, kind, provider, deployment, message) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, alert.at, alert.kind, alert.provider, alert.deployment, alert.message);
    return { ...alert, id };
  }

  async resolveAlert(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(at, id);
  }

  async listAlerts(query: { open?: boolean; limit?: number }): Promise<Alert[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM alerts ${query.open === undefined ? '' : `WHERE ${resolvedCondition(query.open)}`}
         ORDER BY at DESC, rowid DESC LIMIT ?`,
      )
      .all(query.limit ?? 100) as Row[];
    return rows.map(toAlert);
  }

  async createMaintenance(window: Omit<Maintenance, 'id'>): Promise<Maintenance> {
    const id = newId('maint');
    this.db
      .prepare(
        'INSERT INTO maintenance (id, title, components, starts_at, ends_at, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        window.title,
        JSON.stringify(window.components),
        window.startsAt,
        window.endsAt,
        window.body ?? null,
        window.createdAt,
      );
    return { ...window, id };
  }

  async listMaintenance(query: { activeAt?: number; from?: number }): Promise<Maintenance[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.activeAt !== undefined) {
      where.push('starts_at <= ? AND ends_at > ?');
      values.push(query.activeAt, query.activeAt);
    }
    if (query.from !== undefined) {
      where.push('ends_at > ?');
      values.push(query.from);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM maintenance ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at`,
      )
      .all(...values) as Row[];
    return rows.map((row) => toMaintenance(row, parseJsonText));
  }

  async enqueueDelivery(input: {
    url: string;
    event: Record<string, unknown>;
    now: number;
  }): Promise<WebhookDelivery> {
    const id = newId('dlv');
    this.db
      .prepare(
        `INSERT INTO webhook_deliveries (id, url, event, created_at, attempts, status, next_attempt_at)
         VALUES (?, ?, ?, ?, 0, 'pending', ?)`,
      )
      .run(id, input.url, JSON.stringify(input.event), input.now, input.now);
    return {
      id,
      url: input.url,
      event: input.event,
      createdAt: input.now,
      attempts: 0,
      status: 'pending',
      nextAttemptAt: input.now,
    };
  }

  async dueDeliveries(now: number, limit: number, leaseMs?: number): Promise<WebhookDelivery[]> {
    const select = this.db.prepare(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY created_at, rowid LIMIT ?`,
    );
    if (leaseMs === undefined)
      return (select.all(now, now, limit) as Row[]).map((row) => toDelivery(row, parseJsonText));
    const claim = this.db.prepare('UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?');
    // IMMEDIATE takes the write lock before reading, so another process on the same file cannot
    // read the same rows as due between this read and the claim.
    const rows = this.db
      .transaction(() => {
        const due = select.all(now, now, limit) as Row[];
        for (const row of due) claim.run(now + leaseMs, row.id);
        return due;
      })
      .immediate();
    return rows.map((row) => toDelivery(row, parseJsonText));
  }

  async markDelivered(id: string, at: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, next_attempt_at = NULL,
           claimed_until = NULL
         WHERE id = ?`,
      )
      .run(at, id);
  }

  async markAttemptFailed(id: string, error: string, next: number | null): Promise<void> {
    this.db
      .prepare(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
           status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END, claimed_until = NULL
         WHERE id = ?`,
      )
      .run(error, next, next, id);
  }

  async listDeliveries(query: {
    status?: WebhookDelivery['status'];
    limit?: number;
  }): Promise<WebhookDelivery[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_deliveries ${query.status === undefined ? '' : 'WHERE status = ?'}
         ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...(query.status === undefined ? [] : [query.status]), query.limit ?? 100) as Row[];
    return rows.map((row) => toDelivery(row, parseJsonText));
  }

  async insertRequestLogs(rows: readonly RequestLogRow[]): Promise<void> {
    if (rows.length > 0) insertRequestLogs(this.db, rows);
  }

  async listRequestLogs(
    query: RequestLogFilter & { limit?: number; cursor?: string },
  ): Promise<RequestLogPage> {
    return listRequestLogs(this.db, query);
  }

  async aggregateUsage(query: UsageQuery): Promise<UsageBucket[]> {
    return aggregateUsage(this.db, query);
  }

  async deleteRequestLogsBefore(time: number): Promise<number> {
    return deleteRequestLogsBefore(this.db, time);
  }

  async recordCanaryResults(rows: readonly CanaryResult[]): Promise<void> {
    this.db.transaction(() => {
      for (let start = 0; start < rows.length; start += CANARY_BATCH) {
        const { sql, values } = canaries.insertStatement(rows.slice(start, start + CANARY_BATCH), 'sqlite');
        this.db.prepare(sql).run(...values);
      }
    })();
  }

  async listCanaryResults(query: CanaryResultQuery): Promise<CanaryResult[]> {
    const parameters = new canaries.SqlParameters('sqlite');
    const sql = canaries.listStatement(query, parameters);
    return (this.db.prepare(sql).all(...parameters.values) as Row[]).map(canaries.toCanaryResult);
  }

  async tallyCanaries(query: CanaryTallyQuery): Promise<CanaryTally[]> {
    const parameters = new canaries.SqlParameters('sqlite');
    const sql = canaries.tallyStatement(query, parameters);
    return (this.db.prepare(sql).all(...parameters.values) as Row[]).map(canaries.toCanaryTally);
  }

  async sumCanaryCost(provider: string, since: number): Promise<number> {
    const row = this.db.prepare(canaries.SUM_COST_SQL.sqlite).get(provider, since) as Row;
    return Number(row.total);
  }

  async deleteCanaryResultsBefore(time: number): Promise<number> {
    return this.db.prepare(canaries.DELETE_BEFORE_SQL.sqlite).run(time).changes;
  }

  async insertClientKey(key: ClientKeyRecord): Promise<void> {
    this.access.insertClientKey(key);
  }

  async findClientKeyByHash(hash: string): Promise<ClientKeyRecord | undefined> {
    return this.access.findClientKeyByHash(hash);
  }

  async getClientKey(id: string): Promise<ClientKeyRecord | undefined> {
    return this.access.getClientKey(id);
  }

  async listClientKeys(): Promise<ClientKeyRecord[]> {
    return this.access.listClientKeys();
  }

  async updateClientKey(id: string, changes: ClientKeyChanges): Promise<ClientKeyRecord> {
    return this.access.updateClientKey(id, changes);
  }

  async recordSpend(entries: readonly SpendEntry[]): Promise<void> {
    if (entries.length > 0) this.access.recordSpend(entries);
  }

  async sumSpend(keyId: string, since: number): Promise<number> {
    return this.access.sumSpend(keyId, since);
  }

  async claimBudgetAlert(
    keyId: string,
    periodStart: number,
    threshold: number,
    at: number,
  ): Promise<boolean> {
    return this.access.claimBudgetAlert(keyId, periodStart, threshold, at);
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    // One statement, so one write lock: two processes on the file cannot both see the lease free.
    // The upsert's WHERE leaves another holder's running lease alone, and then RETURNING gives no row.
    const row = this.db
      .prepare(
        `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
         RETURNING holder`,
      )
      .get(name, holder, now + ttlMs, now);
    return row !== undefined;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  async flush(): Promise<void> {
    this.writeSamples();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.writeSamples();
    this.closed = true;
    this.db.close();
  }

  /** Writes buffered samples in one transaction; a worse status replaces a better one in a minute. */
  private writeSamples(): void {
    if (this.buffer.length === 0 || this.closed) return;
    const batch = this.buffer;
    this.buffer = [];
    const upsert = this.db.prepare(
      `INSERT INTO component_samples (component, minute, status, severity) VALUES (?, ?, ?, ?)
       ON CONFLICT (component, minute) DO UPDATE SET status = excluded.status, severity = excluded.severity
       WHERE excluded.severity >= component_samples.severity`,
    );
    this.db.transaction(() => {
      for (const sample of batch)
        upsert.run(sample.component, sample.minute, sample.status, STATUS_SEVERITY[sample.status]);
    })();
  }

  private insertUpdate(incidentId: string, update: Omit<IncidentUpdate, 'id'>): void {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM incident_updates WHERE incident_id = ?')
      .get(incidentId) as Row;
    this.db
      .prepare(
        'INSERT INTO incident_updates (id, incident_id, at, status, body, seq) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(newId('upd'), incidentId, update.at, update.status, update.body, num(row.next));
  }

  private mustGet(id: string): Incident {
    const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    if (row === undefined) throw new Error(`no incident "${id}"`);
    return this.toIncident(row);
  }

  private toIncident(row: Row): Incident {
    const updates = (
      this.db
        .prepare('SELECT * FROM incident_updates WHERE incident_id = ? ORDER BY seq')
        .all(row.id) as Row[]
    ).map(
      (update): IncidentUpdate => ({
        id: String(update.id),
        at: num(update.at),
        status: update.status as IncidentUpdate['status'],
        body: String(update.body),
      }),
    );
    const incident: Incident = {
      id: String(row.id),
      kind: row.kind as Incident['kind'],
      status: row.status as Incident['status'],
      impact: row.impact as Incident['impact'],
      title: String(row.title),
      components: JSON.parse(String(row.components)) as string[],
      deployments: JSON.parse(String(row.deployments)) as string[],
      startedAt: num(row.started_at),
      updatedAt: num(row.updated_at),
      evidence: JSON.parse(String(row.evidence)) as Record<string, unknown>,
      manual: num(row.manual) === 1,
      updates,
    };
    const resolvedAt = optionalNumber(row.resolved_at);
    if (resolvedAt !== undefined) incident.resolvedAt = resolvedAt;
    return incident;
  }
}
