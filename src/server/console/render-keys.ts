import type { ClientKeyView } from '../routes/admin-keys.js';
import { cell, escapeHtml, formatTime, formatUsd, headerRow } from './render-layout.js';

/** Client keys, read-only: never a secret or a hash, only the visible prefix. */
export function renderKeysPage(keys: ClientKeyView[] | undefined): string {
  if (keys === undefined) {
    return '<h1>Keys</h1><p class="empty">Client keys are not available in this Detour (no store for them).</p>';
  }
  const rows = keys
    .map((key) => {
      const limits = [
        key.rpm === null ? null : `${key.rpm} req/min`,
        key.tpm === null ? null : `${key.tpm} tok/min`,
        key.budget === null ? null : `${formatUsd(key.budget.usd)} / ${key.budget.period}`,
      ].filter((part) => part !== null);
      const spend =
        key.spend === undefined
          ? '–'
          : `${formatUsd(key.spend.spentUsd)} of ${formatUsd(key.spend.limitUsd)}${key.spend.reservedUsd > 0 ? ` (+${formatUsd(key.spend.reservedUsd)} reserved)` : ''}`;
      const tone = key.status === 'active' ? 'ok' : 'bad';
      return `<tr data-key="${escapeHtml(key.id)}">${[
        cell('Name', escapeHtml(key.name)),
        cell('Prefix', `<span class="mono">${escapeHtml(key.prefix)}…</span>`),
        cell('Models', escapeHtml(key.models.length === 0 ? 'all' : key.models.join(', '))),
        cell('Limits', escapeHtml(limits.length === 0 ? 'none' : limits.join(' · '))),
        cell('Spend this period', escapeHtml(spend)),
        cell(
          'Status',
          `<span class="pill ${tone}">${escapeHtml(key.status)}</span>${key.revokedAt === null ? '' : ` ${escapeHtml(formatTime(key.revokedAt))}`}`,
        ),
        cell('Created', escapeHtml(formatTime(key.createdAt))),
      ].join('')}</tr>`;
    })
    .join('');
  const table =
    rows === ''
      ? '<p class="empty">No client keys yet (create one with <code>detour keys create</code>).</p>'
      : `<table class="stack" id="keys"><thead>${headerRow(['Name', 'Prefix', 'Models', 'Limits', 'Spend this period', 'Status', 'Created'])}</thead><tbody>${rows}</tbody></table>`;
  return `<h1>Keys</h1>
<p class="sub">Client keys and their scopes. Create, revoke and rotate with <code>detour keys</code> or the admin API.</p>
${table}`;
}
