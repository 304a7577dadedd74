import type { DeploymentHealthRow } from '../routes/admin.js';
import { cell, escapeHtml, formatNumber, formatPercent, formatTime, headerRow } from './render-layout.js';

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** The pills that describe a deployment's state, worst first; a healthy one gets one "Healthy". */
export function stateLabels(row: DeploymentHealthRow, now: number): Array<{ text: string; tone: Tone }> {
  const { status } = row;
  const labels: Array<{ text: string; tone: Tone }> = [];
  if (status.drained) labels.push({ text: 'Drained', tone: 'info' });
  if (status.disabled !== undefined) labels.push({ text: `Disabled: ${status.disabled}`, tone: 'bad' });
  if (status.forced) labels.push({ text: 'Forced on', tone: 'info' });
  if (status.state === 'open') labels.push({ text: 'Ejected', tone: 'bad' });
  if (status.state === 'half_open') labels.push({ text: 'Half-open', tone: 'warn' });
  if (status.coolingUntil !== undefined && status.coolingUntil > now)
    labels.push({ text: 'Cooling', tone: 'warn' });
  if (status.demoted) labels.push({ text: 'Demoted', tone: 'warn' });
  if (status.degraded) labels.push({ text: 'Slow', tone: 'warn' });
  if (labels.length === 0) labels.push({ text: 'Healthy', tone: 'ok' });
  return labels;
}

function breakerText(row: DeploymentHealthRow): string {
  const { status } = row;
  const parts = [status.state.replace('_', '-')];
  if (status.openUntil !== undefined) parts.push(`until ${formatTime(status.openUntil).slice(11)}`);
  if (row.ejectionCount > 0) parts.push(`×${row.ejectionCount}`);
  if (row.consecutiveFailures > 0) parts.push(`${row.consecutiveFailures} failures in a row`);
  return parts.join(' · ');
}

/** Drain or enable, whichever undoes the current manual state; a POST form carrying the CSRF token. */
function actionForm(row: DeploymentHealthRow, csrf: string): string {
  const manual = row.status.drained || row.status.forced || row.status.disabled !== undefined;
  const action = manual ? 'enable' : 'drain';
  const label = manual ? 'Enable' : 'Drain';
  return `<form class="inline" method="post" action="/console/deployments/${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="deployment" value="${escapeHtml(row.deployment)}"><button type="submit" class="${manual ? 'primary' : 'danger'}" aria-label="${escapeHtml(`${label} ${row.deployment}`)}">${label}</button></form>`;
}

/** A deployment's canary picture, as the quality statistics report it. */
export interface QualityCell {
  phase: 'learning' | 'healthy' | 'suspect' | 'alarm';
  /** Recent graded canary runs and how many passed. */
  graded: number;
  passed: number;
}

/** The quality column: the canaries' verdict and recent pass rate; a dash without canaries. */
export function qualityText(quality: QualityCell | undefined): { text: string; tone: Tone } {
  if (quality === undefined) return { text: '–', tone: 'muted' };
  const rate =
    quality.graded === 0
      ? ''
      : ` · ${Math.round((quality.passed / quality.graded) * 100)}% of ${quality.graded}`;
  switch (quality.phase) {
    case 'learning':
      return { text: `Learning${rate}`, tone: 'muted' };
    case 'healthy':
      return { text: `Canaries pass${rate}`, tone: 'ok' };
    case 'suspect':
      return { text: `Suspect${rate}`, tone: 'warn' };
    case 'alarm':
      return { text: `Answers degraded${rate}`, tone: 'bad' };
  }
}

/** What the health page shows. */
export interface HealthPageInput {
  rows: DeploymentHealthRow[];
  now: number;
  csrf: string;
  /** A deployment's canary picture; absent while canaries are off. */
  quality?: (deployment: string) => QualityCell | undefined;
  /** A line about the action just taken (after a redirect), or an error. */
  notice?: string;
}

/** Every deployment's state, error rate, p95 time to first token and breaker, with drain/enable. */
export function renderHealthPage(input: HealthPageInput): string {
  const rows = input.rows
    .map((row) => {
      const minute = row.windows.oneMinute;
      const pills = stateLabels(row, input.now)
        .map((label) => `<span class="pill ${label.tone}">${escapeHtml(label.text)}</span>`)
        .join('');
      return `<tr data-deployment="${escapeHtml(row.deployment)}">${[
        cell('Deployment', `<span class="mono">${escapeHtml(row.deployment)}</span>`),
        cell('Models', escapeHtml(row.models.join(', '))),
        cell('State', pills, 'state'),
        cell('Requests (1 min)', formatNumber(minute.total), 'num'),
        cell('Error rate (1 min)', formatPercent(minute.total === 0 ? null : minute.failureRate), 'num'),
        cell(
          'p95 TTFT (5 min)',
          row.windows.fiveMinutes.ttftP95 === null
            ? '–'
            : `${formatNumber(row.windows.fiveMinutes.ttftP95)} ms`,
          'num',
        ),
        cell('Breaker', escapeHtml(breakerText(row))),
        cell('Quality', qualityPill(input.quality?.(row.deployment))),
        cell('Action', actionForm(row, input.csrf)),
      ].join('')}</tr>`;
    })
    .join('');
  const table =
    input.rows.length === 0
      ? '<p class="empty" id="health">No deployments are configured.</p>'
      : `<table class="stack" id="health"><thead>${headerRow([
          'Deployment',
          'Models',
          'State',
          { label: 'Requests (1 min)', num: true },
          { label: 'Error rate (1 min)', num: true },
          { label: 'p95 TTFT (5 min)', num: true },
          'Breaker',
          'Quality',
          'Action',
        ])}</thead><tbody>${rows}</tbody></table>`;
  return `<h1>Health</h1>
<p class="sub">Live breaker and outcome windows of every deployment. Updated <span id="updated">${escapeHtml(formatTime(input.now))}</span>; refreshes every 5 s.</p>
${input.notice === undefined ? '' : `<p class="notice" role="status">${escapeHtml(input.notice)}</p>`}
${table}`;
}

function qualityPill(quality: QualityCell | undefined): string {
  const { text, tone } = qualityText(quality);
  return quality === undefined ? text : `<span class="pill ${tone}">${escapeHtml(text)}</span>`;
}
