import type { UsageBucket } from '../../store/index.js';
import {
  cell,
  escapeHtml,
  formatNumber,
  formatPercent,
  formatTime,
  formatUsd,
  headerRow,
} from './render-layout.js';

/** The usage page's time buckets and how far back each looks. */
export const USAGE_PERIODS = {
  hour: { stepMs: 3_600_000, spanMs: 24 * 3_600_000, label: 'last 24 hours, by hour' },
  day: { stepMs: 86_400_000, spanMs: 30 * 86_400_000, label: 'last 30 days, by day' },
} as const;

/** One of {@link USAGE_PERIODS}. */
export type UsagePeriod = keyof typeof USAGE_PERIODS;

/** The usage range ending now: `from` is the start of the oldest bucket (UTC hours and days). */
export function usageRange(period: UsagePeriod, now: number): { from: number; to: number } {
  const { stepMs, spanMs } = USAGE_PERIODS[period];
  return { from: Math.floor((now - spanMs) / stepMs) * stepMs + stepMs, to: now + 1 };
}

/** The data the console script draws with uPlot: x in seconds, one series per line. */
export interface UsageChartData {
  x: number[];
  charts: Array<{ id: string; title: string; series: Array<{ label: string; values: number[] }> }>;
}

/** Buckets laid on a gap-free time axis: periods without requests are zeros, not missing points. */
export function usageChartData(
  buckets: UsageBucket[],
  period: UsagePeriod,
  range: { from: number; to: number },
): UsageChartData {
  const { stepMs } = USAGE_PERIODS[period];
  const byStart = new Map(buckets.map((bucket) => [bucket.periodStart, bucket]));
  const starts: number[] = [];
  for (let start = range.from; start < range.to; start += stepMs) starts.push(start);
  const column = (read: (bucket: UsageBucket) => number) =>
    starts.map((start) => {
      const bucket = byStart.get(start);
      return bucket === undefined ? 0 : read(bucket);
    });
  return {
    x: starts.map((start) => start / 1000),
    charts: [
      {
        id: 'chart-requests',
        title: 'Requests',
        series: [
          { label: 'Requests', values: column((bucket) => bucket.requests) },
          { label: 'Errors', values: column((bucket) => bucket.errors) },
        ],
      },
      {
        id: 'chart-tokens',
        title: 'Tokens',
        series: [
          { label: 'Input', values: column((bucket) => bucket.inputTokens) },
          { label: 'Output', values: column((bucket) => bucket.outputTokens) },
        ],
      },
      {
        id: 'chart-cost',
        title: 'Cost (USD)',
        series: [{ label: 'Cost', values: column((bucket) => bucket.costUsd) }],
      },
      {
        id: 'chart-errors',
        title: 'Error rate (%)',
        series: [
          { label: 'Error rate', values: column((bucket) => Math.round(bucket.errorRate * 10_000) / 100) },
        ],
      },
    ],
  };
}

/** JSON inside a `<script type="application/json">`: `<` escaped so no text can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

/** What the usage page shows. */
export interface UsagePageInput {
  period: UsagePeriod;
  range: { from: number; to: number };
  /** Buckets by period (no grouping). */
  overTime: UsageBucket[];
  /** One bucket per model over the whole range. */
  byModel: UsageBucket[];
}

/** Usage over time as charts, and a table by model. */
export function renderUsagePage(input: UsagePageInput): string {
  const data = usageChartData(input.overTime, input.period, input.range);
  const charts = data.charts
    .map(
      (chart) =>
        `<section class="card chart-card"><h2>${escapeHtml(chart.title)}</h2><div class="chart" id="${chart.id}" role="img" aria-label="${escapeHtml(`${chart.title}, ${USAGE_PERIODS[input.period].label}`)}"></div></section>`,
    )
    .join('');
  const periods = (Object.keys(USAGE_PERIODS) as UsagePeriod[])
    .map(
      (period) =>
        `<option value="${period}"${period === input.period ? ' selected' : ''}>${escapeHtml(USAGE_PERIODS[period].label)}</option>`,
    )
    .join('');
  const rows = input.byModel
    .map(
      (bucket) =>
        `<tr>${[
          cell('Model', escapeHtml(bucket.model ?? '–')),
          cell('Requests', formatNumber(bucket.requests), 'num'),
          cell('Errors', formatNumber(bucket.errors), 'num'),
          cell('Error rate', formatPercent(bucket.errorRate), 'num'),
          cell('Input tokens', formatNumber(bucket.inputTokens), 'num'),
          cell('Output tokens', formatNumber(bucket.outputTokens), 'num'),
          cell('Cost', formatUsd(bucket.costUsd), 'num'),
          cell('p95 latency', `${formatNumber(bucket.latencyP95Ms)} ms`, 'num'),
        ].join('')}</tr>`,
    )
    .join('');
  const table =
    rows === ''
      ? '<p class="empty">No requests in this range.</p>'
      : `<table class="stack" id="usage-by-model"><thead>${headerRow([
          'Model',
          { label: 'Requests', num: true },
          { label: 'Errors', num: true },
          { label: 'Error rate', num: true },
          { label: 'Input tokens', num: true },
          { label: 'Output tokens', num: true },
          { label: 'Cost', num: true },
          { label: 'p95 latency', num: true },
        ])}</thead><tbody>${rows}</tbody></table>`;
  return `<h1>Usage</h1>
<form class="filters" method="get" action="/console/usage"><label>Range<select name="period">${periods}</select></label><button type="submit">Show</button></form>
<p class="sub">From ${escapeHtml(formatTime(input.range.from))} to now (UTC buckets).</p>
<div class="charts">${charts}</div>
<h2>By model</h2>
${table}
<script type="application/json" id="usage-data">${scriptJson(data)}</script>`;
}
