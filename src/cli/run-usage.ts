import { parseArgs } from 'node:util';
import type { RequestLogPage, RequestLogRow, UsageBucket } from '../store/index.js';
import { formatTable, getAdmin } from './admin-client.js';

/** Options shared by `detour requests` and `detour usage`: where the admin API is, and filters. */
const COMMON_OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  model: { type: 'string' },
  deployment: { type: 'string' },
  key: { type: 'string' },
  status: { type: 'string' },
  'failure-class': { type: 'string' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** Query parameters of the admin API from the command's options. */
function queryOf(values: Values, names: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [option, parameter] of Object.entries(names)) {
    const value = values[option];
    if (typeof value === 'string' && value !== '') query.set(parameter, value);
  }
  return query;
}

const FILTERS = {
  from: 'from',
  to: 'to',
  model: 'model',
  deployment: 'deployment',
  key: 'key',
  status: 'status',
  'failure-class': 'failureClass',
};

const dash = (value: number | string | null | undefined) =>
  value === null || value === undefined ? '-' : String(value);

/** Request-log rows as a table, newest first. */
export function formatRequestsTable(rows: readonly RequestLogRow[]): string {
  return formatTable(
    ['TIME', 'ID', 'MODEL', 'DEPLOYMENT', 'STATUS', 'OUTCOME', 'ATTEMPTS', 'IN', 'OUT', 'COST $', 'MS'],
    rows.map((row) => [
      new Date(row.time).toISOString(),
      row.id,
      row.answeringModel !== null && row.answeringModel !== row.requestedModel
        ? `${row.requestedModel}→${row.answeringModel}`
        : row.requestedModel,
      dash(row.deployment),
      String(row.status),
      row.outcome,
      row.attempts.map((attempt) => `${attempt.deployment}:${attempt.outcome}`).join(' ') || '-',
      dash(row.tokens.input),
      dash(row.tokens.output),
      row.costUsd === null ? '-' : row.costUsd.toFixed(6),
      String(row.latencyMs),
    ]),
  );
}

/** Usage buckets as a table. */
export function formatUsageTable(buckets: readonly UsageBucket[]): string {
  const groups = (['model', 'deployment', 'key'] as const).filter((group) =>
    buckets.some((bucket) => group in bucket),
  );
  const periodic = buckets.some((bucket) => bucket.periodStart !== null);
  return formatTable(
    [
      ...(periodic ? ['PERIOD'] : []),
      ...groups.map((group) => group.toUpperCase()),
      'REQUESTS',
      'ERR%',
      'IN',
      'OUT',
      'CACHED',
      'REASONING',
      'COST $',
      'P50 MS',
      'P95 MS',
    ],
    buckets.map((bucket) => [
      ...(periodic ? [bucket.periodStart === null ? '-' : new Date(bucket.periodStart).toISOString()] : []),
      ...groups.map((group) => dash(bucket[group])),
      String(bucket.requests),
      (bucket.errorRate * 100).toFixed(1),
      String(bucket.inputTokens),
      String(bucket.outputTokens),
      String(bucket.cachedTokens),
      String(bucket.reasoningTokens),
      bucket.costUsd.toFixed(6),
      String(bucket.latencyP50Ms),
      String(bucket.latencyP95Ms),
    ]),
  );
}

/** `detour requests`: the request log of a running Detour, newest first, one page. */
export async function runRequests(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, limit: { type: 'string' }, cursor: { type: 'string' } },
  });
  const query = queryOf(values, { ...FILTERS, limit: 'limit', cursor: 'cursor' });
  const result = await getAdmin<RequestLogPage>('requests', values, `/admin/requests?${query}`);
  if (!result.ok) return result.exitCode;
  const page = result.body;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatRequestsTable(page.rows));
  if (page.nextCursor !== null) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
  return 0;
}

/** `detour usage`: requests, tokens, cost, error rate and latency by group and period. */
export async function runUsage(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, by: { type: 'string' }, period: { type: 'string' } },
  });
  const query = queryOf(values, { ...FILTERS, by: 'groupBy', period: 'period' });
  const result = await getAdmin<{ usage: UsageBucket[] }>('usage', values, `/admin/usage?${query}`);
  if (!result.ok) return result.exitCode;
  const body = result.body;
  process.stdout.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : formatUsageTable(body.usage));
  return 0;
}
