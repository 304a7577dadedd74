import type { ComponentStatus, Incident } from '../../store/index.js';
import type { ComponentView, DayView, StatusView } from './build-status-view.js';

const LABEL: Record<ComponentStatus | 'no_data', string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
  no_data: 'No data',
};

const INCIDENT_STATUS: Record<Incident['status'], string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

const KIND: Record<Incident['kind'], string> = {
  outage: 'Host outage',
  overloaded: 'Host overloaded',
  latency: 'Slow responses',
  quality: 'Model quality',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
}

function statusClass(status: ComponentStatus | 'no_data'): string {
  return `s-${status.replaceAll('_', '-')}`;
}

function renderDay(day: DayView): string {
  const uptime = day.uptimePercent === null ? 'no data' : `${day.uptimePercent.toFixed(2)}% uptime`;
  const incidents = day.incidents.length === 0 ? 'No incidents' : day.incidents.join('; ');
  const label = `${day.day}: ${LABEL[day.worst]}, ${uptime}. ${incidents}`;
  return `<li class="bar ${statusClass(day.worst)}" tabindex="0" aria-label="${escapeHtml(label)}"><span class="tip" role="tooltip"><strong>${escapeHtml(day.day)}</strong><br>${escapeHtml(LABEL[day.worst])} · ${escapeHtml(uptime)}<br>${escapeHtml(incidents)}</span></li>`;
}

function renderComponent(component: ComponentView): string {
  const uptime =
    component.uptimePercent === null ? 'no data yet' : `${component.uptimePercent.toFixed(2)}% uptime`;
  const deployments = component.deployments
    .map(
      (deployment) =>
        `<li><span class="dep-name">${escapeHtml(deployment.id)}</span><span class="pill small ${statusClass(deployment.status)}">${escapeHtml(LABEL[deployment.status])}</span></li>`,
    )
    .join('');
  return `<section class="component" aria-labelledby="c-${escapeHtml(component.name)}">
  <div class="component-head">
    <h3 id="c-${escapeHtml(component.name)}">${escapeHtml(component.name)}</h3>
    <span class="pill ${statusClass(component.status)}" data-component-status="${escapeHtml(component.status)}">${escapeHtml(LABEL[component.status])}</span>
  </div>
  ${component.description ? `<p class="desc">${escapeHtml(component.description)}</p>` : ''}
  <ol class="bars" aria-label="${escapeHtml(`${component.name}: daily status over the last ${component.days.length} days`)}">${component.days.map(renderDay).join('')}</ol>
  <div class="bars-legend"><span>${component.days.length} days ago</span><span>${escapeHtml(uptime)}</span><span>Today</span></div>
  <details class="deployments"><summary>Hosts serving ${escapeHtml(component.name)} (${component.deployments.length})</summary><ul>${deployments}</ul></details>
</section>`;
}

function renderIncident(incident: Incident, open: boolean): string {
  const updates = [...incident.updates]
    .filter((update) => update.body !== '')
    .reverse()
    .map(
      (update) =>
        `<li><p><strong>${escapeHtml(INCIDENT_STATUS[update.status])}</strong> — ${escapeHtml(update.body)}</p><time datetime="${new Date(update.at).toISOString()}">${escapeHtml(time(update.at))}</time></li>`,
    )
    .join('');
  const affected = incident.components.map(escapeHtml).join(', ');
  return `<article class="incident ${open ? 'open' : 'past'} impact-${escapeHtml(incident.impact)}" data-incident-kind="${escapeHtml(incident.kind)}">
  <header><h3>${escapeHtml(incident.title)}</h3>
  <p class="meta"><span class="tag">${escapeHtml(KIND[incident.kind])}</span> <span class="tag">${escapeHtml(INCIDENT_STATUS[incident.status])}</span> Affects ${affected} · started ${escapeHtml(time(incident.startedAt))}${incident.resolvedAt ? ` · resolved ${escapeHtml(time(incident.resolvedAt))}` : ''}</p></header>
  <ol class="timeline">${updates}</ol>
</article>`;
}

/** The public status page: server-rendered HTML that needs no JavaScript. */
export function renderStatusPage(view: StatusView): string {
  const active = view.activeIncidents.map((incident) => renderIncident(incident, true)).join('');
  const past =
    view.pastIncidents.length === 0
      ? '<p class="empty">No incidents in the last 90 days.</p>'
      : view.pastIncidents.map((incident) => renderIncident(incident, false)).join('');
  const maintenance = view.maintenance
    .map(
      (window) =>
        `<article class="incident maintenance"><h3>${escapeHtml(window.title)}</h3><p class="meta">${escapeHtml(window.components.join(', '))} · ${escapeHtml(time(window.startsAt))} – ${escapeHtml(time(window.endsAt))}</p></article>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>${escapeHtml(view.title)}</title>
<link rel="alternate" type="application/atom+xml" title="${escapeHtml(view.title)} incidents" href="/status/feed.atom">
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="wrap"><h1>${escapeHtml(view.title)}</h1><p class="sub">Live health of every model, measured from real traffic.</p></div></header>
<main id="main" class="wrap">
<section class="banner ${statusClass(view.overall.status)}" role="status" aria-live="polite"><h2>${escapeHtml(view.overall.description)}</h2><p>Updated ${escapeHtml(time(view.generatedAt))}</p></section>
${active === '' ? '' : `<section aria-labelledby="active-h"><h2 id="active-h">Active incidents</h2>${active}</section>`}
${maintenance === '' ? '' : `<section aria-labelledby="maint-h"><h2 id="maint-h">Maintenance</h2>${maintenance}</section>`}
<section aria-labelledby="models-h"><h2 id="models-h">Models</h2>${view.components.map(renderComponent).join('')}
<p class="legend" aria-hidden="true">${(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'no_data'] as const).map((status) => `<span><i class="${statusClass(status)}"></i>${LABEL[status]}</span>`).join('')}</p></section>
<section aria-labelledby="past-h"><h2 id="past-h">Past incidents</h2>${past}</section>
</main>
<footer class="wrap foot"><p>Feeds: <a href="/api/v2/summary.json">summary.json</a> · <a href="/api/v2/incidents.json">incidents.json</a> · <a href="/status/feed.atom">Atom</a>. Powered by Detour.</p></footer>
</body>
</html>`;
}

const STYLE = `
:root{--ok:#1e7f46;--deg:#9a6a00;--part:#b34d00;--major:#b42318;--maint:#1f5fbf;--none:#c5cad3;--ink:#1b1f24;--muted:#4b5563;--line:#e3e6ea;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color:var(--ink);background:var(--bg)}
.wrap{max-width:860px;margin:0 auto;padding:0 16px}.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:9}
.top{background:#111827;color:#fff;padding:24px 0 56px}.top h1{margin:0;font-size:1.6rem}.sub{margin:4px 0 0;color:#d1d5db}
.banner{margin:-36px 0 24px;border-radius:10px;padding:16px 20px;color:#fff;box-shadow:0 2px 8px rgba(0,0,0,.12)}.banner h2{margin:0;font-size:1.25rem}.banner p{margin:2px 0 0;opacity:.92;font-size:.9rem}
.banner.s-operational{background:var(--ok)}.banner.s-degraded-performance{background:var(--deg)}.banner.s-partial-outage{background:var(--part)}.banner.s-major-outage{background:var(--major)}.banner.s-under-maintenance{background:var(--maint)}
h2{font-size:1.1rem;margin:28px 0 12px}.component,.incident{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:12px}
.component-head{display:flex;justify-content:space-between;align-items:center;gap:8px}.component h3{margin:0;font-size:1.05rem}.desc{margin:4px 0 0;color:var(--muted);font-size:.9rem}
.pill{display:inline-block;border-radius:999px;padding:2px 10px;font-size:.85rem;font-weight:600;white-space:nowrap;border:1px solid currentColor}.pill.small{font-size:.75rem;padding:0 8px}
.pill.s-operational{color:var(--ok)}.pill.s-degraded-performance{color:var(--deg)}.pill.s-partial-outage{color:var(--part)}.pill.s-major-outage{color:var(--major)}.pill.s-under-maintenance{color:var(--maint)}
.bars{display:flex;gap:2px;list-style:none;padding:0;margin:12px 0 4px;height:34px}.bar{flex:1;border-radius:2px;position:relative;min-width:2px;cursor:default}
.bar.s-operational{background:#2e9e5b}.bar.s-degraded-performance{background:#d4a106}.bar.s-partial-outage{background:#e8700a}.bar.s-major-outage{background:#d1342f}.bar.s-under-maintenance{background:#2f6fd6}.bar.s-no-data{background:var(--none)}
.bar:focus{outline:3px solid #111827;outline-offset:2px}.tip{display:none;position:absolute;bottom:42px;left:50%;transform:translateX(-50%);background:#111827;color:#fff;padding:8px 10px;border-radius:6px;font-size:.8rem;width:min(220px,70vw);z-index:5;line-height:1.35}
.bar:hover .tip,.bar:focus .tip{display:block}.bar:nth-child(-n+15) .tip{left:0;transform:none}.bar:nth-last-child(-n+15) .tip{left:auto;right:0;transform:none}.bars-legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
.deployments{margin-top:8px;font-size:.9rem}.deployments summary{cursor:pointer;color:var(--muted)}.deployments summary:focus{outline:3px solid #111827}.deployments ul{list-style:none;padding:0;margin:8px 0 0}
.deployments li{display:flex;justify-content:space-between;padding:6px 0;border-top:1px solid var(--line)}.dep-name{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;overflow-wrap:anywhere}
.incident.open{border-left:5px solid var(--major)}.incident.open.impact-none,.incident.open.impact-minor{border-left-color:var(--deg)}.incident.maintenance{border-left:5px solid var(--maint)}
.incident h3{margin:0 0 4px;font-size:1rem}.meta{margin:0;color:var(--muted);font-size:.85rem}.tag{display:inline-block;background:#eef1f5;border-radius:4px;padding:0 6px;margin-right:4px;color:var(--ink)}
.timeline{list-style:none;margin:10px 0 0;padding:0}.timeline li{border-top:1px solid var(--line);padding:8px 0}.timeline p{margin:0}.timeline time{color:var(--muted);font-size:.8rem}
.legend{display:flex;flex-wrap:wrap;gap:12px;color:var(--muted);font-size:.8rem}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.legend .s-operational{background:#2e9e5b}.legend .s-degraded-performance{background:#d4a106}.legend .s-partial-outage{background:#e8700a}.legend .s-major-outage{background:#d1342f}.legend .s-under-maintenance{background:#2f6fd6}.legend .s-no-data{background:var(--none)}
.empty{color:var(--muted)}.foot{color:var(--muted);font-size:.85rem;padding-bottom:32px}a{color:#1f5fbf}a:focus{outline:3px solid #111827}
@media (max-width:600px){.bars{gap:1px;height:28px}.top{padding-bottom:48px}.component-head{flex-wrap:wrap}}
`;
