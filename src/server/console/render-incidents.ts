import type { Incident } from '../../store/index.js';
import { escapeHtml, formatTime } from './render-layout.js';

function evidenceValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return JSON.stringify(value) ?? String(value);
}

/** One incident with its evidence (every measured number) and its whole timeline, newest first. */
export function renderIncident(incident: Incident): string {
  const evidence = Object.entries(incident.evidence)
    .map(
      ([name, value]) =>
        `<dt>${escapeHtml(name)}</dt><dd class="mono">${escapeHtml(evidenceValue(value))}</dd>`,
    )
    .join('');
  const timeline = [...incident.updates]
    .reverse()
    .map(
      (update) =>
        `<li><time datetime="${new Date(update.at).toISOString()}">${escapeHtml(formatTime(update.at))} · ${escapeHtml(update.status)}</time>${escapeHtml(update.body === '' ? '(no text)' : update.body)}</li>`,
    )
    .join('');
  const resolved =
    incident.resolvedAt === undefined ? '' : ` · resolved ${escapeHtml(formatTime(incident.resolvedAt))}`;
  return `<article class="card incident ${incident.status === 'resolved' ? 'resolved' : 'open'}" id="${escapeHtml(incident.id)}" data-incident="${escapeHtml(incident.id)}">
<h2>${escapeHtml(incident.title)}</h2>
<p class="meta"><span class="pill ${incident.status === 'resolved' ? 'muted' : 'bad'}">${escapeHtml(incident.status)}</span><span class="pill muted">${escapeHtml(incident.kind)}</span><span class="pill muted">impact ${escapeHtml(incident.impact)}</span>${incident.manual ? '<span class="pill info">manual</span>' : ''}</p>
<p class="meta">Models: ${escapeHtml(incident.components.join(', ') || '–')} · deployments: <span class="mono">${escapeHtml(incident.deployments.join(', ') || '–')}</span> · started ${escapeHtml(formatTime(incident.startedAt))}${resolved}</p>
${evidence === '' ? '' : `<details open><summary>Evidence</summary><dl class="evidence">${evidence}</dl></details>`}
<details${incident.status === 'resolved' ? '' : ' open'}><summary>Timeline (${incident.updates.length})</summary><ol class="timeline">${timeline}</ol></details>
</article>`;
}

/** Open incidents first, then recent resolved ones. */
export function renderIncidentsPage(open: Incident[], recent: Incident[]): string {
  const section = (items: Incident[], empty: string) =>
    items.length === 0 ? `<p class="empty">${empty}</p>` : items.map(renderIncident).join('');
  return `<h1>Incidents</h1>
<p class="sub">What the detector (or an operator) opened, with the numbers it rests on.</p>
<section aria-labelledby="open-h"><h2 id="open-h">Open (${open.length})</h2>${section(open, 'No open incidents.')}</section>
<section aria-labelledby="recent-h"><h2 id="recent-h">Recently resolved</h2>${section(recent, 'No resolved incidents yet.')}</section>`;
}
