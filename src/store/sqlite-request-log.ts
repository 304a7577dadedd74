import type Database from 'better-sqlite3';
import { parseJsonText, type Row, toRequestLogRow } from './read-row.js';
import { pageStatement, SqlParameters, toPage, toUsageBucket, usageStatement } from './request-log-sql.js';
import type { RequestLogFilter, RequestLogPage, RequestLogRow, UsageBucket, UsageQuery } from './types.js';

/** The request log for {@link SqliteStore}; the queries are shared with PostgreSQL (`request-log-sql.ts`). */

/** Writes rows in one transaction; a row whose id is already stored is left as it was. */
export function insertRequestLogs(db: Database.Database, rows: readonly RequestLogRow[]): void {
  const insert = db.prepare(
    `INSERT INTO request_log (id, time, key, surface, stream, requested_model, answering_model, deployment,
       attempts, status, outcome, finish_reason, input_tokens, output_tokens, cached_tokens,
       reasoning_tokens, cost_usd, latency_ms, time_to_first_token_ms, route_reason, request_body,
       response_body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  db.transaction(() => {
    for (const row of rows) {
      insert.run(
        row.id,
        row.time,
        row.key,
        row.surface,
        row.stream ? 1 : 0,
        row.requestedModel,
        row.answeringModel,
        row.deployment,
        JSON.stringify(row.attempts),
        row.status,
        row.outcome,
        row.finishReason,
        row.tokens.input,
        row.tokens.output,
        row.tokens.cached,
        row.tokens.reasoning,
        row.costUsd,
        row.latencyMs,
        row.timeToFirstTokenMs,
        row.routeReason,
        row.requestBody,
        row.responseBody,
      );
    }
  })();
}

/** One page, newest first (see {@link pageStatement}). */
export function listRequestLogs(
  db: Database.Database,
  query: RequestLogFilter & { limit?: number; cursor?: string },
): RequestLogPage {
  const parameters = new SqlParameters('sqlite');
  const { sql, limit } = pageStatement(query, parameters);
  return toPage(
    (db.prepare(sql).all(...parameters.values) as Row[]).map((row) => toRequestLogRow(row, parseJsonText)),
    limit,
  );
}

/** Sums and nearest-rank latency percentiles per group and period (see {@link usageStatement}). */
export function aggregateUsage(db: Database.Database, query: UsageQuery): UsageBucket[] {
  const parameters = new SqlParameters('sqlite');
  const sql = usageStatement(query, parameters);
  return (db.prepare(sql).all(...parameters.values) as Row[]).map((row) => toUsageBucket(row, query));
}

/** Deletes rows older than `time`. */
export function deleteRequestLogsBefore(db: Database.Database, time: number): number {
  return db.prepare('DELETE FROM request_log WHERE time < ?').run(time).changes;
}
