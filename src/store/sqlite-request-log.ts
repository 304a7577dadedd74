import type Database from 'better-sqlite3';
import type {
  RequestLogFilter,
  RequestLogPage,
  RequestLogRow,
  UsageBucket,
  UsageGroupBy,
  UsageQuery,
} from './types.js';

/** The request log's SQL for {@link SqliteStore}: written so PostgreSQL can run the same statements. */

type Row = Record<string, unknown>;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const GROUP_COLUMNS: Readonly<Record<UsageGroupBy, string>> = {
  model: 'requested_model',
  deployment: 'deployment',
  key: 'key',
};

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function nullableText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toRow(row: Row): RequestLogRow {
  return {
    id: String(row.id),
    time: Number(row.time),
    key: nullableText(row.key),
    surface: String(row.surface),
    stream: Number(row.stream) === 1,
    requestedModel: String(row.requested_model),
    answeringModel: nullableText(row.answering_model),
    deployment: nullableText(row.deployment),
    attempts: JSON.parse(String(row.attempts)) as RequestLogRow['attempts'],
    status: Number(row.status),
    outcome: String(row.outcome),
    finishReason: nullableText(row.finish_reason),
    tokens: {
      input: nullableNumber(row.input_tokens),
      output: nullableNumber(row.output_tokens),
      cached: nullableNumber(row.cached_tokens),
      reasoning: nullableNumber(row.reasoning_tokens),
    },
    costUsd: nullableNumber(row.cost_usd),
    latencyMs: Number(row.latency_ms),
    timeToFirstTokenMs: nullableNumber(row.time_to_first_token_ms),
    routeReason: nullableText(row.route_reason),
    requestBody: nullableText(row.request_body),
    responseBody: nullableText(row.response_body),
  };
}

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

/** WHERE clauses and their values for a filter. */
function whereOf(filter: RequestLogFilter): { clauses: string[]; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const equal = (column: string, value: unknown) => {
    clauses.push(`${column} = ?`);
    values.push(value);
  };
  if (filter.from !== undefined) {
    clauses.push('time >= ?');
    values.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push('time < ?');
    values.push(filter.to);
  }
  if (filter.model !== undefined) equal('requested_model', filter.model);
  if (filter.deployment !== undefined) equal('deployment', filter.deployment);
  if (filter.key !== undefined) equal('key', filter.key);
  if (filter.status !== undefined) equal('status', filter.status);
  if (filter.failureClass !== undefined) equal('outcome', filter.failureClass);
  return { clauses, values };
}

/** An opaque cursor: the (time, id) of the last row of a page. */
function encodeCursor(row: RequestLogRow): string {
  return Buffer.from(JSON.stringify([row.time, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string'
    )
      return [value[0], value[1]];
  } catch {
    // Reported below as an invalid cursor.
  }
  throw new RangeError(`invalid cursor "${cursor}"`);
}

/** One page, newest first; keyset pagination on (time, id), so rows written meanwhile do not shift pages. */
export function listRequestLogs(
  db: Database.Database,
  query: RequestLogFilter & { limit?: number; cursor?: string },
): RequestLogPage {
  const { clauses, values } = whereOf(query);
  if (query.cursor !== undefined) {
    const [time, id] = decodeCursor(query.cursor);
    clauses.push('(time < ? OR (time = ? AND id < ?))');
    values.push(time, time, id);
  }
  const limit = query.limit ?? 100;
  // One row more than the page tells whether another page follows.
  const rows = (
    db
      .prepare(
        `SELECT * FROM request_log ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
         ORDER BY time DESC, id DESC LIMIT ?`,
      )
      .all(...values, limit + 1) as Row[]
  ).map(toRow);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
}

/**
 * Sums per group and period in one statement. The latency percentiles are computed in SQL too, by
 * nearest rank over a window (`ROW_NUMBER` within each group against `ceil(p × n)`), so no row
 * leaves the database; SQLite ≥ 3.25 and PostgreSQL both run it.
 */
export function aggregateUsage(db: Database.Database, query: UsageQuery): UsageBucket[] {
  const { clauses, values } = whereOf(query);
  const groups = [...new Set(query.groupBy ?? [])];
  const size = query.period === 'hour' ? HOUR_MS : query.period === 'day' ? DAY_MS : undefined;
  const periodExpression = size === undefined ? 'NULL' : `(time / ${size}) * ${size}`;
  const keys = ['period_start', ...groups.map((group) => `g_${group}`)];
  const selectKeys = [
    `${periodExpression} AS period_start`,
    ...groups.map((group) => `${GROUP_COLUMNS[group]} AS g_${group}`),
  ];
  const partition = keys.join(', ');
  // NULLS FIRST spelled out: SQLite sorts nulls first by default, PostgreSQL last.
  const rank = (percent: number) => `MIN(CASE WHEN rn = (n * ${percent} + 99) / 100 THEN latency_ms END)`;
  const sql = `
    WITH filtered AS (
      SELECT ${selectKeys.join(', ')}, outcome, input_tokens, output_tokens, cached_tokens,
        reasoning_tokens, cost_usd, latency_ms
      FROM request_log ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
    ),
    ranked AS (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY latency_ms) AS rn,
        COUNT(*) OVER (PARTITION BY ${partition}) AS n
      FROM filtered
    )
    SELECT ${partition}, COUNT(*) AS requests,
      SUM(CASE WHEN outcome NOT IN ('success', 'abandoned') THEN 1 ELSE 0 END) AS errors,
      COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
      COALESCE(SUM(cached_tokens), 0) AS cached_tokens,
      COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
      COALESCE(SUM(cost_usd), 0) AS cost_usd, ${rank(50)} AS p50, ${rank(95)} AS p95
    FROM ranked GROUP BY ${partition} ORDER BY ${keys.map((key) => `${key} NULLS FIRST`).join(', ')}`;
  const rows = db.prepare(sql).all(...values) as Row[];
  return rows.map((row) => {
    const requests = Number(row.requests);
    const errors = Number(row.errors);
    const bucket: UsageBucket = {
      periodStart: nullableNumber(row.period_start),
      requests,
      errors,
      errorRate: requests === 0 ? 0 : errors / requests,
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cachedTokens: Number(row.cached_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      costUsd: Number(row.cost_usd),
      latencyP50Ms: Number(row.p50),
      latencyP95Ms: Number(row.p95),
    };
    if (groups.includes('model')) bucket.model = String(row.g_model);
    if (groups.includes('deployment')) bucket.deployment = nullableText(row.g_deployment);
    if (groups.includes('key')) bucket.key = nullableText(row.g_key);
    return bucket;
  });
}

/** Deletes rows older than `time`. */
export function deleteRequestLogsBefore(db: Database.Database, time: number): number {
  return db.prepare('DELETE FROM request_log WHERE time < ?').run(time).changes;
}
