import type {
  Alert,
  ClientKeyRecord,
  KeyScopes,
  Maintenance,
  RequestLogRow,
  WebhookDelivery,
} from './types.js';

/**
 * Rows as both engines' drivers return them, read into the store's types once for SQLite and
 * PostgreSQL alike. The engines differ in two ways only: JSON columns (SQLite keeps text,
 * PostgreSQL's JSONB arrives parsed — see {@link ReadJson}) and 64-bit numbers (PostgreSQL returns
 * BIGINT as strings, so every number goes through `Number`).
 */

/** A database row. */
export type Row = Record<string, unknown>;

/** How an engine's JSON column reads back. */
export type ReadJson = (value: unknown) => unknown;

/** SQLite: JSON is stored as text. */
export const parseJsonText: ReadJson = (value) => JSON.parse(String(value));

/** PostgreSQL: JSONB arrives parsed. */
export const parsedJson: ReadJson = (value) => value;

export function num(value: unknown): number {
  return Number(value);
}

export function optionalNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function nullableText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function toAlert(row: Row): Alert {
  const alert: Alert = {
    id: String(row.id),
    at: num(row.at),
    kind: row.kind as Alert['kind'],
    provider: String(row.provider),
    deployment: String(row.deployment),
    message: String(row.message),
  };
  const resolvedAt = optionalNumber(row.resolved_at);
  if (resolvedAt !== undefined) alert.resolvedAt = resolvedAt;
  return alert;
}

export function toMaintenance(row: Row, json: ReadJson): Maintenance {
  const window: Maintenance = {
    id: String(row.id),
    title: String(row.title),
    components: json(row.components) as string[],
    startsAt: num(row.starts_at),
    endsAt: num(row.ends_at),
    createdAt: num(row.created_at),
  };
  if (typeof row.body === 'string') window.body = row.body;
  return window;
}

export function toDelivery(row: Row, json: ReadJson): WebhookDelivery {
  const delivery: WebhookDelivery = {
    id: String(row.id),
    url: String(row.url),
    event: json(row.event) as Record<string, unknown>,
    createdAt: num(row.created_at),
    attempts: num(row.attempts),
    status: row.status as WebhookDelivery['status'],
    nextAttemptAt: optionalNumber(row.next_attempt_at) ?? null,
  };
  const deliveredAt = optionalNumber(row.delivered_at);
  if (deliveredAt !== undefined) delivery.deliveredAt = deliveredAt;
  if (typeof row.last_error === 'string') delivery.lastError = row.last_error;
  return delivery;
}

export function toClientKey(row: Row, json: ReadJson): ClientKeyRecord {
  const key: ClientKeyRecord = {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    hash: String(row.hash),
    createdAt: num(row.created_at),
    scopes: json(row.scopes) as KeyScopes,
    metadata: json(row.metadata) as Record<string, string>,
  };
  const expiresAt = optionalNumber(row.expires_at);
  if (expiresAt !== undefined) key.expiresAt = expiresAt;
  const revokedAt = optionalNumber(row.revoked_at);
  if (revokedAt !== undefined) key.revokedAt = revokedAt;
  return key;
}

export function toRequestLogRow(row: Row, json: ReadJson): RequestLogRow {
  return {
    id: String(row.id),
    time: num(row.time),
    key: nullableText(row.key),
    surface: String(row.surface),
    // SQLite stores 0/1, PostgreSQL a boolean; Number(true) is 1.
    stream: Number(row.stream) === 1,
    requestedModel: String(row.requested_model),
    answeringModel: nullableText(row.answering_model),
    deployment: nullableText(row.deployment),
    attempts: json(row.attempts) as RequestLogRow['attempts'],
    status: num(row.status),
    outcome: String(row.outcome),
    finishReason: nullableText(row.finish_reason),
    tokens: {
      input: nullableNumber(row.input_tokens),
      output: nullableNumber(row.output_tokens),
      cached: nullableNumber(row.cached_tokens),
      reasoning: nullableNumber(row.reasoning_tokens),
    },
    costUsd: nullableNumber(row.cost_usd),
    latencyMs: num(row.latency_ms),
    timeToFirstTokenMs: nullableNumber(row.time_to_first_token_ms),
    routeReason: nullableText(row.route_reason),
    requestBody: nullableText(row.request_body),
    responseBody: nullableText(row.response_body),
  };
}

/** The SQL condition behind a listing's `open` filter: unresolved rows for true, resolved ones for false. */
export function resolvedCondition(open: boolean): string {
  return open ? 'resolved_at IS NULL' : 'resolved_at IS NOT NULL';
}
