import { type ModelComponent, severityOf, worseOf } from '../../incidents/index.js';
import type { ComponentStatus, DailyUptime, Incident, Maintenance, Store } from '../../store/index.js';

/** One day of a component's uptime bar. */
export interface DayView {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** Worst status of the day, or `no_data` before Detour measured anything. */
  worst: ComponentStatus | 'no_data';
  /** Share of the measured minutes that were up, 0..100 (null without data). */
  uptimePercent: number | null;
  /** Titles of incidents that touched the day. */
  incidents: string[];
}

/** One model row of the page, with its deployments beneath. */
export interface ComponentView {
  name: string;
  description?: string;
  status: ComponentStatus;
  uptimePercent: number | null;
  days: DayView[];
  deployments: Array<{ id: string; provider: string; status: ComponentStatus }>;
}

/** Everything the status page and the JSON feeds show. */
export interface StatusView {
  title: string;
  generatedAt: number;
  overall: { status: ComponentStatus; description: string };
  components: ComponentView[];
  activeIncidents: Incident[];
  pastIncidents: Incident[];
  maintenance: Maintenance[];
}

/** Options of {@link buildStatusView}. */
export interface StatusViewOptions {
  title: string;
  /** Models shown; undefined = every model. */
  publicModels?: readonly string[];
  /** Days of uptime bars; default 90. */
  days?: number;
}

const DAY_MS = 86_400_000;
// DESIGN.md §7: major-outage minutes count fully as downtime, partial-outage minutes at 0.3.
const DOWNTIME_WEIGHT: Partial<Record<ComponentStatus, number>> = { major_outage: 1, partial_outage: 0.3 };

/** Uptime of one day's minutes, in percent; maintenance is not downtime. */
export function uptimeOf(day: DailyUptime): number | null {
  let measured = 0;
  let down = 0;
  for (const [status, minutes] of Object.entries(day.minutes) as Array<[ComponentStatus, number]>) {
    measured += minutes;
    down += minutes * (DOWNTIME_WEIGHT[status] ?? 0);
  }
  return measured === 0 ? null : Math.round((1 - down / measured) * 10_000) / 100;
}

function worstOf(day: DailyUptime): ComponentStatus | 'no_data' {
  let worst: ComponentStatus | 'no_data' = 'no_data';
  for (const [status, minutes] of Object.entries(day.minutes) as Array<[ComponentStatus, number]>) {
    if (minutes <= 0) continue;
    worst = worst === 'no_data' ? status : worseOf(worst, status);
  }
  return worst;
}

function overallOf(components: readonly ComponentView[], active: readonly Incident[]): StatusView['overall'] {
  const worst = components.reduce<ComponentStatus>(
    (acc, component) => worseOf(acc, component.status),
    'operational',
  );
  if (components.some((component) => component.status === 'under_maintenance') && severityOf(worst) === 0) {
    return { status: 'under_maintenance', description: 'Scheduled maintenance in progress' };
  }
  const descriptions: Record<ComponentStatus, string> = {
    operational:
      active.length > 0 ? 'All models answering; an incident is being tracked' : 'All Systems Operational',
    under_maintenance: 'Scheduled maintenance in progress',
    degraded_performance: 'Degraded performance',
    partial_outage: 'Partial outage',
    major_outage: 'Major outage',
  };
  return { status: worst, description: descriptions[worst] };
}

/** Builds the page's data from the detector's published statuses and the store's history. */
export async function buildStatusView(
  components: readonly ModelComponent[],
  store: Store,
  options: StatusViewOptions,
  now: number,
): Promise<StatusView> {
  const days = options.days ?? 90;
  const shown = components.filter(
    (component) => options.publicModels === undefined || options.publicModels.includes(component.name),
  );
  const shownNames = new Set(shown.map((component) => component.name));
  const since = now - days * DAY_MS;
  const incidents = (await store.listIncidents({ since, limit: 200 })).filter((incident) =>
    incident.components.some((name) => shownNames.has(name)),
  );
  const views: ComponentView[] = [];
  for (const component of shown) {
    const uptime = await store.dailyUptime(component.name, days, now);
    const dayViews = uptime.map((day): DayView => {
      const start = Date.parse(`${day.day}T00:00:00Z`);
      const touching = incidents.filter(
        (incident) =>
          incident.components.includes(component.name) &&
          incident.startedAt < start + DAY_MS &&
          (incident.resolvedAt ?? now) >= start,
      );
      return {
        day: day.day,
        worst: worstOf(day),
        uptimePercent: uptimeOf(day),
        incidents: touching.map((incident) => incident.title),
      };
    });
    const measured = uptime.filter((day) => uptimeOf(day) !== null);
    const total = measured.reduce(
      (acc, day) => acc + Object.values(day.minutes).reduce((a, b) => a + (b ?? 0), 0),
      0,
    );
    const up = measured.reduce((acc, day) => {
      const minutes = Object.values(day.minutes).reduce((a, b) => a + (b ?? 0), 0);
      return acc + ((uptimeOf(day) ?? 100) / 100) * minutes;
    }, 0);
    const view: ComponentView = {
      name: component.name,
      status: component.status,
      uptimePercent: total === 0 ? null : Math.round((up / total) * 10_000) / 100,
      days: dayViews,
      deployments: component.deployments,
    };
    if (component.description !== undefined) view.description = component.description;
    views.push(view);
  }
  const activeIncidents = incidents.filter((incident) => incident.status !== 'resolved');
  const maintenance = (await store.listMaintenance({ from: now })).filter((window) =>
    window.components.some((name) => shownNames.has(name)),
  );
  return {
    title: options.title,
    generatedAt: now,
    overall: overallOf(views, activeIncidents),
    components: views,
    activeIncidents,
    pastIncidents: incidents.filter((incident) => incident.status === 'resolved').slice(0, 20),
    maintenance,
  };
}
