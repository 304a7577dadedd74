import { newId } from '../core/index.js';
import type { Queryable } from './postgres-connection.js';
import { num, parsedJson, toDelivery } from './read-row.js';
import type { WebhookDelivery } from './types.js';

/** The webhook outbox for {@link PostgresStore}, shared by every replica that sends. */

export async function enqueueDelivery(
  db: Queryable,
  input: { url: string; event: Record<string, unknown>; now: number },
): Promise<WebhookDelivery> {
  const id = newId('dlv');
  await db.query(
    `INSERT INTO webhook_deliveries (id, url, event, created_at, attempts, status, next_attempt_at)
     VALUES ($1, $2, $3, $4, 0, 'pending', $4)`,
    [id, input.url, JSON.stringify(input.event), input.now],
  );
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

const DUE = `status = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)`;

/**
 * Due deliveries, oldest first; with `leaseMs`, claimed in one statement. The inner SELECT locks the
 * rows it picks and skips rows another replica's claim has locked (`FOR UPDATE SKIP LOCKED`), so
 * concurrent claims split the due rows instead of queueing on them; a row whose claim committed
 * meanwhile is re-read under the lock and no longer matches `claimed_until <= now`. The claim
 * outlives the statement's row locks: sending happens after the transaction, and the lease keeps
 * every other replica off the row until an attempt is recorded or the lease ends.
 */
export async function dueDeliveries(
  db: Queryable,
  now: number,
  limit: number,
  leaseMs?: number,
): Promise<WebhookDelivery[]> {
  if (leaseMs === undefined) {
    const result = await db.query(
      `SELECT * FROM webhook_deliveries WHERE ${DUE} ORDER BY created_at, seq LIMIT $2`,
      [now, limit],
    );
    return result.rows.map((row) => toDelivery(row, parsedJson));
  }
  const result = await db.query(
    `UPDATE webhook_deliveries SET claimed_until = $3
     WHERE id IN (
       SELECT id FROM webhook_deliveries WHERE ${DUE}
       ORDER BY created_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     RETURNING *`,
    [now, limit, now + leaseMs],
  );
  // RETURNING keeps no order.
  return result.rows
    .sort((a, b) => num(a.created_at) - num(b.created_at) || num(a.seq) - num(b.seq))
    .map((row) => toDelivery(row, parsedJson));
}

export async function markDelivered(db: Queryable, id: string, at: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $2, next_attempt_at = NULL,
       claimed_until = NULL
     WHERE id = $1`,
    [id, at],
  );
}

export async function markAttemptFailed(
  db: Queryable,
  id: string,
  error: string,
  next: number | null,
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
       status = CASE WHEN $3::BIGINT IS NULL THEN 'failed' ELSE 'pending' END, claimed_until = NULL
     WHERE id = $1`,
    [id, error, next],
  );
}

/** Newest first. */
export async function listDeliveries(
  db: Queryable,
  query: { status?: WebhookDelivery['status']; limit?: number },
): Promise<WebhookDelivery[]> {
  const result =
    query.status === undefined
      ? await db.query('SELECT * FROM webhook_deliveries ORDER BY created_at DESC, seq DESC LIMIT $1', [
          query.limit ?? 100,
        ])
      : await db.query(
          `SELECT * FROM webhook_deliveries WHERE status = $2 ORDER BY created_at DESC, seq DESC LIMIT $1`,
          [query.limit ?? 100, query.status],
        );
  return result.rows.map((row) => toDelivery(row, parsedJson));
}
