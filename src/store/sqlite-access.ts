import type Database from 'better-sqlite3';
import { parseJsonText, type Row, toClientKey } from './read-row.js';
import type { ClientKeyChanges, ClientKeyRecord, SpendEntry } from './types.js';

/** Client keys, the spend ledger and budget alerts for {@link SqliteStore}, in SQL PostgreSQL also runs. */

function keyParameters(key: ClientKeyRecord): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    hash: key.hash,
    created_at: key.createdAt,
    expires_at: key.expiresAt ?? null,
    revoked_at: key.revokedAt ?? null,
    scopes: JSON.stringify(key.scopes),
    metadata: JSON.stringify(key.metadata),
  };
}

/** Prepared statements, made once per database. */
export class SqliteAccessStatements {
  private readonly insertKey: Database.Statement;
  private readonly keyByHash: Database.Statement;
  private readonly keyById: Database.Statement;
  private readonly allKeys: Database.Statement;
  private readonly replaceKey: Database.Statement;
  private readonly insertSpend: Database.Statement;
  private readonly spendSince: Database.Statement;
  private readonly insertAlert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertKey = db.prepare(
      `INSERT INTO client_keys (id, name, prefix, hash, created_at, expires_at, revoked_at, scopes, metadata)
       VALUES (@id, @name, @prefix, @hash, @created_at, @expires_at, @revoked_at, @scopes, @metadata)`,
    );
    this.keyByHash = db.prepare('SELECT * FROM client_keys WHERE hash = ?');
    this.keyById = db.prepare('SELECT * FROM client_keys WHERE id = ?');
    this.allKeys = db.prepare('SELECT * FROM client_keys ORDER BY created_at, id');
    this.replaceKey = db.prepare(
      `UPDATE client_keys SET name = @name, prefix = @prefix, hash = @hash, expires_at = @expires_at,
       revoked_at = @revoked_at, scopes = @scopes, metadata = @metadata WHERE id = @id`,
    );
    this.insertSpend = db.prepare(
      'INSERT INTO spend_ledger (id, key_id, at, usd) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.spendSince = db.prepare(
      'SELECT COALESCE(SUM(usd), 0) AS total FROM spend_ledger WHERE key_id = ? AND at >= ?',
    );
    this.insertAlert = db.prepare(
      `INSERT INTO budget_alerts (key_id, period_start, threshold, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key_id, period_start, threshold) DO NOTHING`,
    );
  }

  insertClientKey(key: ClientKeyRecord): void {
    try {
      this.insertKey.run(keyParameters(key));
    } catch (error) {
      if (error instanceof Error && /UNIQUE|PRIMARY KEY/.test(error.message)) {
        throw new RangeError(`a client key with id ${key.id} or the same secret exists already`);
      }
      throw error;
    }
  }

  findClientKeyByHash(hash: string): ClientKeyRecord | undefined {
    const row = this.keyByHash.get(hash) as Row | undefined;
    return row === undefined ? undefined : toClientKey(row, parseJsonText);
  }

  getClientKey(id: string): ClientKeyRecord | undefined {
    const row = this.keyById.get(id) as Row | undefined;
    return row === undefined ? undefined : toClientKey(row, parseJsonText);
  }

  listClientKeys(): ClientKeyRecord[] {
    return (this.allKeys.all() as Row[]).map((row) => toClientKey(row, parseJsonText));
  }

  updateClientKey(id: string, changes: ClientKeyChanges): ClientKeyRecord {
    const current = this.getClientKey(id);
    if (current === undefined) throw new RangeError(`no client key ${id}`);
    const { expiresAt, ...rest } = changes;
    const next: ClientKeyRecord = { ...current, ...rest };
    if (expiresAt === null) delete next.expiresAt;
    else if (expiresAt !== undefined) next.expiresAt = expiresAt;
    this.replaceKey.run(keyParameters(next));
    return next;
  }

  recordSpend(entries: readonly SpendEntry[]): void {
    this.db.transaction(() => {
      for (const entry of entries) this.insertSpend.run(entry.id, entry.keyId, entry.at, entry.usd);
    })();
  }

  sumSpend(keyId: string, since: number): number {
    return Number((this.spendSince.get(keyId, since) as Row).total);
  }

  claimBudgetAlert(keyId: string, periodStart: number, threshold: number, at: number): boolean {
    return this.insertAlert.run(keyId, periodStart, threshold, at).changes === 1;
  }
}
