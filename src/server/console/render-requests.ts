import type { RequestLogPage } from '../../store/index.js';
import { cell, escapeHtml, formatNumber, formatTime, formatUsd, headerRow } from './render-layout.js';

/** Time ranges the request log can be filtered to, ending now. */
export const REQUEST_RANGES = {
  '1h': { ms: 3_600_000, label: 'Last hour' },
  '24h': { ms: 86_400_000, label: 'Last 24 hours' },
  '7d': { ms: 7 * 86_400_000, label: 'Last 7 days' },
  '30d': { ms: 30 * 86_400_000, label: 'Last 30 days' },
  all: { ms: null, label: 'All time' },
} as const;

/** One of {@link REQUEST_RANGES}. */
export type RequestRange = keyof typeof REQUEST_RANGES;

/** The request log page's filters, as the form submits them. */
export interface RequestFilters {
  model?: string;
  deployment?: string;
  status?: number;
  failureClass?: string;
  range: RequestRange;
}

/** What the requests page shows. */
export interface RequestsPageInput {
  filters: RequestFilters;
  page: RequestLogPage;
  /** A bad filter, named. */
  error?: string;
}

function queryOf(filters: RequestFilters, cursor: string): string {
  const params = new URLSearchParams();
  if (filters.model !== undefined) params.set('model', filters.model);
  if (filters.deployment !== undefined) params.set('deployment', filters.deployment);
  if (filters.status !== undefined) params.set('status', String(filters.status));
  if (filters.failureClass !== undefined) params.set('failureClass', filters.failureClass);
  params.set('range', filters.range);
  params.set('cursor', cursor);
  return params.toString();
}

function input(name: string, label: string, value: string | undefined, placeholder: string): string {
  return `<label>${escapeHtml(label)}<input name="${name}" value="${escapeHtml(value ?? '')}" placeholder="${escapeHtml(placeholder)}"></label>`;
}

/** The request log, newest first, with filters and a link to the next (older) page. */
export function renderRequestsPage(view: RequestsPageInput): string {
  const { filters } = view;
  const ranges = (Object.keys(REQUEST_RANGES) as RequestRange[])
    .map(
      (range) =>
        `<option value="${range}"${range === filters.range ? ' selected' : ''}>${REQUEST_RANGES[range].label}</option>`,
    )
    .join('');
  const form = `<form class="filters" method="get" action="/console/requests">
${input('model', 'Model', filters.model, 'any')}
${input('deployment', 'Deployment', filters.deployment, 'any')}
${input('status', 'Status', filters.status === undefined ? undefined : String(filters.status), 'any')}
${input('failureClass', 'Failure class', filters.failureClass, 'any')}
<label>Time<select name="range">${ranges}</select></label>
<button type="submit">Filter</button> <a href="/console/requests">Clear</a>
</form>`;
  const rows = view.page.rows
    .map((row) => {
      const answered =
        row.answeringModel !== null && row.answeringModel !== row.requestedModel
          ? `${row.requestedModel} → ${row.answeringModel}`
          : row.requestedModel;
      const attempts = row.attempts.map((attempt) => `${attempt.deployment}: ${attempt.outcome}`).join(', ');
      const tone = row.outcome === 'success' ? 'ok' : row.outcome === 'abandoned' ? 'muted' : 'bad';
      return `<tr data-request="${escapeHtml(row.id)}">${[
        cell('Time', escapeHtml(formatTime(row.time))),
        cell('Model', escapeHtml(answered)),
        cell('Deployment', `<span class="mono">${escapeHtml(row.deployment ?? '–')}</span>`),
        cell('Status', `<span class="pill ${tone}">${row.status} ${escapeHtml(row.outcome)}</span>`),
        cell('Attempts', `<span class="mono">${escapeHtml(attempts || '–')}</span>`),
        cell(
          'Tokens in/out',
          `${formatNumber(row.tokens.input)} / ${formatNumber(row.tokens.output)}`,
          'num',
        ),
        cell('Cost', formatUsd(row.costUsd), 'num'),
        cell('Latency', `${formatNumber(row.latencyMs)} ms`, 'num'),
      ].join('')}</tr>`;
    })
    .join('');
  const table =
    rows === ''
      ? '<p class="empty">No requests match.</p>'
      : `<table class="stack" id="requests"><thead>${headerRow([
          'Time',
          'Model',
          'Deployment',
          'Status',
          'Attempts',
          { label: 'Tokens in/out', num: true },
          { label: 'Cost', num: true },
          { label: 'Latency', num: true },
        ])}</thead><tbody>${rows}</tbody></table>`;
  const next =
    view.page.nextCursor === null
      ? ''
      : `<p class="pager"><a rel="next" href="/console/requests?${escapeHtml(queryOf(filters, view.page.nextCursor))}">Older requests →</a></p>`;
  return `<h1>Requests</h1>
<p class="sub">One row per client request, newest first.</p>
${form}
${view.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(view.error)}</p>`}
${table}
${next}`;
}
