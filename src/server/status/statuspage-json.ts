import type { ComponentStatus, Incident, Maintenance } from '../../store/index.js';
import type { StatusView } from './build-status-view.js';

// Atlassian Statuspage's public API v2 shapes (summary.json, status.json, components.json,
// incidents.json), so existing status widgets and aggregators can read Detour's page. Models are
// component groups; their deployments are the components inside them. Detour adds
// `incident_kind` and `evidence` to incidents.

/** Statuspage's page block. */
function page(view: StatusView, url: string) {
  return {
    id: 'detour',
    name: view.title,
    url,
    time_zone: 'Etc/UTC',
    updated_at: new Date(view.generatedAt).toISOString(),
  };
}

/** Statuspage's overall indicator for a status. */
function indicatorOf(status: ComponentStatus): 'none' | 'minor' | 'major' | 'critical' | 'maintenance' {
  switch (status) {
    case 'operational':
      return 'none';
    case 'degraded_performance':
      return 'minor';
    case 'partial_outage':
      return 'major';
    case 'major_outage':
      return 'critical';
    case 'under_maintenance':
      return 'maintenance';
  }
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function componentsOf(view: StatusView) {
  const updatedAt = iso(view.generatedAt);
  const components: Array<Record<string, unknown>> = [];
  view.components.forEach((model, position) => {
    const groupId = `model:${model.name}`;
    components.push({
      id: groupId,
      name: model.name,
      status: model.status,
      created_at: updatedAt,
      updated_at: updatedAt,
      position: position + 1,
      description: model.description ?? null,
      showcase: true,
      start_date: null,
      group_id: null,
      page_id: 'detour',
      group: true,
      only_show_if_degraded: false,
      components: model.deployments.map((deployment) => `deployment:${deployment.id}`),
      uptime_percent: model.uptimePercent,
    });
    model.deployments.forEach((deployment, index) => {
      components.push({
        id: `deployment:${deployment.id}`,
        name: deployment.id,
        status: deployment.status,
        created_at: updatedAt,
        updated_at: updatedAt,
        position: index + 1,
        description: `provider ${deployment.provider}`,
        showcase: false,
        start_date: null,
        group_id: groupId,
        page_id: 'detour',
        group: false,
        only_show_if_degraded: false,
      });
    });
  });
  return components;
}

function incidentJson(incident: Incident) {
  const monitoring = incident.updates.find((update) => update.status === 'monitoring');
  return {
    id: incident.id,
    name: incident.title,
    status: incident.status,
    impact: incident.impact,
    incident_kind: incident.kind,
    created_at: iso(incident.startedAt),
    updated_at: iso(incident.updatedAt),
    started_at: iso(incident.startedAt),
    monitoring_at: iso(monitoring?.at),
    resolved_at: iso(incident.resolvedAt),
    shortlink: null,
    page_id: 'detour',
    components: incident.components.map((name) => ({ id: `model:${name}`, name })),
    evidence: incident.evidence,
    incident_updates: [...incident.updates]
      .filter((update) => update.body !== '')
      .reverse()
      .map((update) => ({
        id: update.id,
        status: update.status,
        body: update.body,
        incident_id: incident.id,
        created_at: iso(update.at),
        updated_at: iso(update.at),
        display_at: iso(update.at),
        affected_components: null,
        deliver_notifications: true,
      })),
  };
}

function maintenanceJson(window: Maintenance, now: number) {
  const status = now < window.startsAt ? 'scheduled' : now < window.endsAt ? 'in_progress' : 'completed';
  return {
    id: window.id,
    name: window.title,
    status,
    impact: 'maintenance',
    created_at: iso(window.createdAt),
    scheduled_for: iso(window.startsAt),
    scheduled_until: iso(window.endsAt),
    components: window.components.map((name) => ({ id: `model:${name}`, name })),
  };
}

/** `GET /api/v2/status.json`. */
export function statusJson(view: StatusView, url: string) {
  return {
    page: page(view, url),
    status: { indicator: indicatorOf(view.overall.status), description: view.overall.description },
  };
}

/** `GET /api/v2/components.json`. */
export function componentsJson(view: StatusView, url: string) {
  return { page: page(view, url), components: componentsOf(view) };
}

/** `GET /api/v2/incidents.json`: the last 90 days, newest first. */
export function incidentsJson(view: StatusView, url: string) {
  return {
    page: page(view, url),
    incidents: [...view.activeIncidents, ...view.pastIncidents].map(incidentJson),
  };
}

/** `GET /api/v2/summary.json`: components, unresolved incidents, maintenance, status. */
export function summaryJson(view: StatusView, url: string) {
  return {
    page: page(view, url),
    status: statusJson(view, url).status,
    components: componentsOf(view),
    incidents: view.activeIncidents.map(incidentJson),
    scheduled_maintenances: view.maintenance.map((window) => maintenanceJson(window, view.generatedAt)),
  };
}
