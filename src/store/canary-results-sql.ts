import { num, type Row } from './read-row.js';
import { SqlParameters } from './request-log-sql.js';
import type { CanaryResult, CanaryResultQuery, CanaryTally, CanaryTallyQuery } from './types.js';

/**
 * Canary results as SQL both engines run; only placeholders differ (see {@link SqlParameters}).
 * `pass` is a nullable integer in both (1, 0, or null when the host did not answer), so one reader
 * serves SQLite and PostgreSQL alike.
 */

const COLUMNS =
  'deployment, model, provider, suite, case_id, at, pass, detail, failure_class, latency_ms, cost_usd, response_model';

/** One multi-row INSERT of `rows` (the caller skips an empty batch). */
export function insertStatement(
  rows: readonly CanaryResult[],
  dialect: 'sqlite' | 'postgres',
): { sql: string; values: unknown[] } {
  const parameters = new SqlParameters(dialect);
  const tuples = rows.map((row) => {
    const values = [
      row.deployment,
      row.model,
      row.provider,
      row.suite,
      row.caseId,
      row.at,
      row.pass === null ? null : row.pass ? 1 : 0,
      row.detail,
      row.failureClass ?? null,
      row.latencyMs,
      row.costUsd,
      row.responseModel ?? null,
    ];
    return `(${values.map((value) => parameters.add(value)).join(', ')})`;
  });
  return {
    sql: `INSERT INTO canary_results (${COLUMNS}) VALUES ${tuples.join(', ')}`,
    values: parameters.values,
  };
}

function whereOf(
  query: { deployment?: string; model?: string; from?: number; to?: number },
  parameters: SqlParameters,
): string {
  const clauses: string[] = [];
  if (query.deployment !== undefined) clauses.push(`deployment = ${parameters.add(query.deployment)}`);
  if (query.model !== undefined) clauses.push(`model = ${parameters.add(query.model)}`);
  if (query.from !== undefined) clauses.push(`at >= ${parameters.add(query.from)}`);
  if (query.to !== undefined) clauses.push(`at < ${parameters.add(query.to)}`);
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

export function listStatement(query: CanaryResultQuery, parameters: SqlParameters): string {
  // Placeholders in the order they appear: SQLite's `?` are positional.
  const where = whereOf(query, parameters);
  const limit = parameters.add(Math.max(0, Math.floor(query.limit ?? 1000)));
  return `SELECT ${COLUMNS} FROM canary_results ${where}
    ORDER BY at DESC, deployment, suite, case_id LIMIT ${limit}`;
}

export function tallyStatement(query: CanaryTallyQuery, parameters: SqlParameters): string {
  return `SELECT deployment, model, suite,
      SUM(CASE WHEN pass IS NULL THEN 0 ELSE 1 END) AS graded,
      SUM(CASE WHEN pass = 1 THEN 1 ELSE 0 END) AS passed,
      SUM(CASE WHEN pass IS NULL THEN 1 ELSE 0 END) AS unanswered,
      COALESCE(SUM(cost_usd), 0) AS cost_usd
    FROM canary_results ${whereOf(query, parameters)}
    GROUP BY deployment, model, suite ORDER BY deployment, suite, model`;
}

export const SUM_COST_SQL = {
  sqlite: 'SELECT COALESCE(SUM(cost_usd), 0) AS total FROM canary_results WHERE provider = ? AND at >= ?',
  postgres: 'SELECT COALESCE(SUM(cost_usd), 0) AS total FROM canary_results WHERE provider = $1 AND at >= $2',
} as const;

export const DELETE_BEFORE_SQL = {
  sqlite: 'DELETE FROM canary_results WHERE at < ?',
  postgres: 'DELETE FROM canary_results WHERE at < $1',
} as const;

export function toCanaryResult(row: Row): CanaryResult {
  const result: CanaryResult = {
    deployment: String(row.deployment),
    model: String(row.model),
    provider: String(row.provider),
    suite: String(row.suite),
    caseId: String(row.case_id),
    at: num(row.at),
    pass: row.pass === null || row.pass === undefined ? null : num(row.pass) === 1,
    detail: String(row.detail),
    latencyMs: num(row.latency_ms),
    costUsd: num(row.cost_usd),
  };
  if (row.failure_class !== null && row.failure_class !== undefined)
    result.failureClass = String(row.failure_class);
  if (row.response_model !== null && row.response_model !== undefined) {
    result.responseModel = String(row.response_model);
  }
  return result;
}

export function toCanaryTally(row: Row): CanaryTally {
  return {
    deployment: String(row.deployment),
    model: String(row.model),
    suite: String(row.suite),
    graded: num(row.graded),
    passed: num(row.passed),
    unanswered: num(row.unanswered),
    costUsd: Number(num(row.cost_usd).toFixed(12)),
  };
}

export { SqlParameters };
