import type pg from 'pg';
import { inTransaction, isUniqueViolation } from './postgres-connection.js';
import { parsedJson, toClientKey } from './read-row.js';
import type { ClientKeyChanges, ClientKeyRecord, SpendEntry } from './types.js';

/** Client keys, the spend ledger and budget alerts for {@link PostgresStore}. */

function insertValues(key: ClientKeyRecord): unknown[] {
  return [
    key.id,
    key.name,
    key.prefix,
    key.hash,
    key.createdAt,
    key.expiresAt ?? null,
    key.revokedAt ?? null,
    JSON.stringify(key.scopes),
    JSON.stringify(key.metadata),
  ];
}

function taken(id: string): RangeError {
  return new RangeError(`a client key with id ${id} or the same secret exists already`);
}

export async function insertClientKey(pool: pg.Pool, key: ClientKeyRecord): Promise<void> {
  try {
    await pool.query(
      `INSERT INTO client_keys (id, name, prefix, hash, created_at, expires_at, revoked_at, scopes, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      insertValues(key),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(key.id);
    throw error;
  }
}

export async function findClientKey(
  pool: pg.Pool,
  by: 'id' | 'hash',
  value: string,
): Promise<ClientKeyRecord | undefined> {
  const result = await pool.query(`SELECT * FROM client_keys WHERE ${by} = $1`, [value]);
  const row = result.rows[0];
  return row === undefined ? undefined : toClientKey(row, parsedJson);
}

/** Oldest first. */
export async function listClientKeys(pool: pg.Pool): Promise<ClientKeyRecord[]> {
  const result = await pool.query('SELECT * FROM client_keys ORDER BY created_at, id');
  return result.rows.map((row) => toClientKey(row, parsedJson));
}

/**
 * Read, change and write back under a row lock: two replicas updating one key at once (a rotation
 * and a revocation) apply one after the other, and neither change is lost.
 */
export async function updateClientKey(
  pool: pg.Pool,
  id: string,
  changes: ClientKeyChanges,
): Promise<ClientKeyRecord> {
  try {
    return await inTransaction(pool, async (client) => {
      const found = await client.query('SELECT * FROM client_keys WHERE id = $1 FOR UPDATE', [id]);
      const row = found.rows[0];
      if (row === undefined) throw new RangeError(`no client key ${id}`);
      const { expiresAt, ...rest } = changes;
      const next: ClientKeyRecord = { ...toClientKey(row, parsedJson), ...rest };
      if (expiresAt === null) delete next.expiresAt;
      else if (expiresAt !== undefined) next.expiresAt = expiresAt;
      await client.query(
        `UPDATE client_keys SET name = $2, prefix = $3, hash = $4, expires_at = $5, revoked_at = $6,
           scopes = $7, metadata = $8
         WHERE id = $1`,
        [
          id,
          next.name,
          next.prefix,
          next.hash,
          next.expiresAt ?? null,
          next.revokedAt ?? null,
          JSON.stringify(next.scopes),
          JSON.stringify(next.metadata),
        ],
      );
      return next;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(id);
    throw error;
  }
}

/** One multi-row INSERT; an entry whose id is there already is ignored, so a retried batch counts once. */
export async function recordSpend(pool: pg.Pool, entries: readonly SpendEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await pool.query(
    `INSERT INTO spend_ledger (id, key_id, at, usd)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[])
     ON CONFLICT (id) DO NOTHING`,
    [
      entries.map((entry) => entry.id),
      entries.map((entry) => entry.keyId),
      entries.map((entry) => entry.at),
      entries.map((entry) => entry.usd),
    ],
  );
}

export async function sumSpend(pool: pg.Pool, keyId: string, since: number): Promise<number> {
  const result = await pool.query<{ total: number }>(
    'SELECT COALESCE(SUM(usd), 0) AS total FROM spend_ledger WHERE key_id = $1 AND at >= $2',
    [keyId, since],
  );
  return Number(result.rows[0]?.total ?? 0);
}

/** True for the one caller, of all replicas, whose row went in. */
export async function claimBudgetAlert(
  pool: pg.Pool,
  keyId: string,
  periodStart: number,
  threshold: number,
  at: number,
): Promise<boolean> {
  const result = await pool.query(
    `INSERT INTO budget_alerts (key_id, period_start, threshold, at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_id, period_start, threshold) DO NOTHING`,
    [keyId, periodStart, threshold, at],
  );
  return result.rowCount === 1;
}
