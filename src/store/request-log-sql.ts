import { nullableNumber, nullableText, type Row } from './read-row.js';
import type { RequestLogFilter, UsageBucket, UsageGroupBy, UsageQuery } from './types.js';

/**
 * The request log's queries as SQL both engines run (SQLite ≥ 3.25 and PostgreSQL): filters, the
 * keyset cursor and the usage aggregate. Only the placeholder spelling differs (`?` or `$n`), so the
 * two stores filter, page and count the same way by construction.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const GROUP_COLUMNS: Readonly<Record<UsageGroupBy, string>> = {
  model: 'requested_model',
  deployment: 'deployment',
  key: 'key',
};

/** Collects a statement's values and spells their placeholders in the engine's dialect. */
export class SqlParameters {
  readonly values: unknown[] = [];

  constructor(private readonly dialect: 'sqlite' | 'postgres') {}

  /** Adds a value; returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
}

/** WHERE clauses of a filter; their values go to `parameters`. */
export function whereOf(filter: RequestLogFilter, parameters: SqlParameters): string[] {
  const clauses: string[] = [];
  const equal = (column: string, value: unknown) => clauses.push(`${column} = ${parameters.add(value)}`);
  if (filter.from !== undefined) clauses.push(`time >= ${parameters.add(filter.from)}`);
  if (filter.to !== undefined) clauses.push(`time < ${parameters.add(filter.to)}`);
  if (filter.model !== undefined) equal('requested_model', filter.model);
  if (filter.deployment !== undefined) equal('deployment', filter.deployment);
  if (filter.key !== undefined) equal('key', filter.key);
  if (filter.status !== undefined) equal('status', filter.status);
  if (filter.failureClass !== undefined) equal('outcome', filter.failureClass);
  return clauses;
}

function whereClause(clauses: readonly string[]): string {
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

/** An opaque cursor: the (time, id) of the last row of a page. */
export function encodeCursor(row: { time: number; id: string }): string {
  return Buffer.from(JSON.stringify([row.time, row.id])).toString('base64url');
}

/** @throws RangeError when `cursor` is not one {@link encodeCursor} made. */
export function decodeCursor(cursor: string): [number, string] {
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

/**
 * One page's statement, newest first: keyset pagination on (time, id), so rows written meanwhile do
 * not shift pages. It asks for one row more than the page, which tells whether another page follows.
 */
export function pageStatement(
  query: RequestLogFilter & { limit?: number; cursor?: string },
  parameters: SqlParameters,
): { sql: string; limit: number } {
  const clauses = whereOf(query, parameters);
  if (query.cursor !== undefined) {
    const [time, id] = decodeCursor(query.cursor);
    // Placeholders in the order they appear: SQLite's `?` are positional.
    const before = parameters.add(time);
    const same = parameters.add(time);
    clauses.push(`(time < ${before} OR (time = ${same} AND id < ${parameters.add(id)}))`);
  }
  const limit = query.limit ?? 100;
  const sql = `SELECT * FROM request_log ${whereClause(clauses)} ORDER BY time DESC, id DESC
    LIMIT ${parameters.add(limit + 1)}`;
  return { sql, limit };
}

/** The page and its next cursor from the rows {@link pageStatement} read (one more than `limit`). */
export function toPage<T extends { time: number; id: string }>(
  rows: readonly T[],
  limit: number,
): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
}

/**
 * Sums per group and period in one statement. The latency percentiles are computed in SQL too, by
 * nearest rank over a window (`ROW_NUMBER` within each group against `ceil(p × n)`, in integer
 * arithmetic both engines share), so no row leaves the database.
 */
export function usageStatement(query: UsageQuery, parameters: SqlParameters): string {
  const clauses = whereOf(query, parameters);
  const groups = groupsOf(query);
  const size = query.period === 'hour' ? HOUR_MS : query.period === 'day' ? DAY_MS : undefined;
  const periodExpression = size === undefined ? 'NULL' : `(time / ${size}) * ${size}`;
  const keys = ['period_start', ...groups.map((group) => `g_${group}`)];
  const selectKeys = [
    `${periodExpression} AS period_start`,
    ...groups.map((group) => `${GROUP_COLUMNS[group]} AS g_${group}`),
  ];
  const partition = keys.join(', ');
  const rank = (percent: number) => `MIN(CASE WHEN rn = (n * ${percent} + 99) / 100 THEN latency_ms END)`;
  // NULLS FIRST spelled out: SQLite sorts nulls first by default, PostgreSQL last.
  return `
    WITH filtered AS (
      SELECT ${selectKeys.join(', ')}, outcome, input_tokens, output_tokens, cached_tokens,
        reasoning_tokens, cost_usd, latency_ms
      FROM request_log ${whereClause(clauses)}
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
}

function groupsOf(query: UsageQuery): UsageGroupBy[] {
  return [...new Set(query.groupBy ?? [])];
}

/**
 * A row of {@link usageStatement} as a bucket. `Number` on every figure: PostgreSQL returns its
 * 64-bit sums and counts as strings.
 */
export function toUsageBucket(row: Row, query: UsageQuery): UsageBucket {
  const groups = groupsOf(query);
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
}
