import type { Incident } from '../../store/index.js';
import type { StatusView } from './build-status-view.js';
import { escapeHtml } from './render-status-page.js';

/** `GET /status/feed.atom`: one entry per incident, its latest update first in the content. */
export function renderAtomFeed(view: StatusView, baseUrl: string): string {
  const incidents: Incident[] = [...view.activeIncidents, ...view.pastIncidents];
  const updated = new Date(
    Math.max(view.generatedAt, ...incidents.map((incident) => incident.updatedAt)),
  ).toISOString();
  const entries = incidents
    .map((incident) => {
      const updates = [...incident.updates]
        .filter((update) => update.body !== '')
        .reverse()
        .map(
          (update) =>
            `<p><strong>${escapeHtml(update.status)}</strong> (${new Date(update.at).toISOString()}): ${escapeHtml(update.body)}</p>`,
        )
        .join('');
      return `<entry>
<id>urn:detour:incident:${escapeHtml(incident.id)}</id>
<title>${escapeHtml(`[${incident.status}] ${incident.title}`)}</title>
<updated>${new Date(incident.updatedAt).toISOString()}</updated>
<published>${new Date(incident.startedAt).toISOString()}</published>
<link rel="alternate" type="text/html" href="${escapeHtml(`${baseUrl}/status#${incident.id}`)}"/>
<category term="${escapeHtml(incident.kind)}"/>
<content type="html">${escapeHtml(updates)}</content>
</entry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:detour:status</id>
<title>${escapeHtml(view.title)}</title>
<updated>${updated}</updated>
<link rel="self" type="application/atom+xml" href="${escapeHtml(`${baseUrl}/status/feed.atom`)}"/>
<link rel="alternate" type="text/html" href="${escapeHtml(`${baseUrl}/status`)}"/>
${entries}
</feed>
`;
}
