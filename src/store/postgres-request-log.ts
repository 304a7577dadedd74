import type { Queryable } from './postgres-connection.js';
import { parsedJson, toRequestLogRow } from './read-row.js';
import { pageStatement, SqlParameters, toPage, toUsageBucket, usageStatement } from './request-log-sql.js';
import type { RequestLogFilter, RequestLogPage, RequestLogRow, UsageBucket, UsageQuery } from './types.js';

/** The request log for {@link PostgresStore}; the queries are shared with SQLite (`request-log-sql.ts`). */

/** Whole milliseconds, as the INTEGER columns hold them (an injected clock may give fractions). */
function wholeMs(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

/** Each column of the log, its array type, and how a row gives its value. */
const COLUMNS: ReadonlyArray<readonly [string, string, (row: RequestLogRow) => unknown]> = [
  ['id', 'text', (row) => row.id],
  ['time', 'bigint', (row) => row.time],
  ['key', 'text', (row) => row.key],
  ['surface', 'text', (row) => row.surface],
  ['stream', 'boolean', (row) => row.stream],
  ['requested_model', 'text', (row) => row.requestedModel],
  ['answering_model', 'text', (row) => row.answeringModel],
  ['deployment', 'text', (row) => row.deployment],
  ['attempts', 'jsonb', (row) => JSON.stringify(row.attempts)],
  ['status', 'integer', (row) => row.status],
  ['outcome', 'text', (row) => row.outcome],
  ['finish_reason', 'text', (row) => row.finishReason],
  ['input_tokens', 'bigint', (row) => row.tokens.input],
  ['output_tokens', 'bigint', (row) => row.tokens.output],
  ['cached_tokens', 'bigint', (row) => row.tokens.cached],
  ['reasoning_tokens', 'bigint', (row) => row.tokens.reasoning],
  ['cost_usd', 'double precision', (row) => row.costUsd],
  ['latency_ms', 'integer', (row) => wholeMs(row.latencyMs)],
  ['time_to_first_token_ms', 'integer', (row) => wholeMs(row.timeToFirstTokenMs)],
  ['route_reason', 'text', (row) => row.routeReason],
  ['request_body', 'text', (row) => row.requestBody],
  ['response_body', 'text', (row) => row.responseBody],
];

/**
 * One multi-row INSERT for the whole batch, its rows given as one array per column and spread by
 * `unnest`: 22 parameters whatever the batch size (a VALUES list would need 22 per row and hit the
 * protocol's 65,535-parameter limit at 2,978 rows), and one statement text the server plans once.
 * A row whose id is already stored is left as it was, so a retried batch writes nothing twice.
 */
const INSERT_SQL = `
  INSERT INTO request_log (${COLUMNS.map(([column]) => column).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
  ON CONFLICT (id) DO NOTHING`;

export async function insertRequestLogs(db: Queryable, rows: readonly RequestLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    INSERT_SQL,
    COLUMNS.map(([, , value]) => rows.map(value)),
  );
}

/** One page, newest first (see {@link pageStatement}). */
export async function listRequestLogs(
  db: Queryable,
  query: RequestLogFilter & { limit?: number; cursor?: string },
): Promise<RequestLogPage> {
  const parameters = new SqlParameters('postgres');
  const { sql, limit } = pageStatement(query, parameters);
  const result = await db.query(sql, parameters.values);
  return toPage(
    result.rows.map((row) => toRequestLogRow(row, parsedJson)),
    limit,
  );
}

/** Sums and nearest-rank latency percentiles per group and period (see {@link usageStatement}). */
export async function aggregateUsage(db: Queryable, query: UsageQuery): Promise<UsageBucket[]> {
  const parameters = new SqlParameters('postgres');
  const result = await db.query(usageStatement(query, parameters), parameters.values);
  return result.rows.map((row) => toUsageBucket(row, query));
}

/** Deletes rows older than `time`; says how many. */
export async function deleteRequestLogsBefore(db: Queryable, time: number): Promise<number> {
  const result = await db.query('DELETE FROM request_log WHERE time < $1', [time]);
  return result.rowCount ?? 0;
}
