import { type Clock, newId } from '../core/index.js';
import type { DeploymentHealth } from '../health/index.js';
import type { ModelTable, RoutingState } from '../routing/index.js';
import type { Alert, ComponentStatus, Incident, IncidentKind, Store } from '../store/index.js';
import {
  DEFAULT_STATUS_THRESHOLDS,
  deploymentStatusOf,
  modelStatusOf,
  type StatusThresholds,
  severityOf,
} from './component-status.js';
import { describeIncident, type IncidentEvidence, measureEvidence } from './incident-evidence.js';
import type { StatusEvent } from './status-event.js';
import { StatusHysteresis } from './status-hysteresis.js';

/** Knobs of the {@link IncidentDetector} (config `status:`), in milliseconds. */
export interface DetectorOptions {
  /** How often health is evaluated; default 5 s. */
  intervalMs: number;
  /** A worse status is published after holding this long; default 2 min. */
  enterMs: number;
  /** A better status is published after holding this long; default 5 min. */
  leaveMs: number;
  /** An ejection or slowness must last this long to open an incident; default 2 min. */
  incidentAfterMs: number;
  /** An incident resolves after this long without trouble; default 30 min. */
  resolveAfterMs: number;
  /** Error-rate thresholds of the statuses. */
  thresholds: StatusThresholds;
}

/** DESIGN.md §7 defaults. */
export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  intervalMs: 5_000,
  enterMs: 120_000,
  leaveMs: 300_000,
  incidentAfterMs: 120_000,
  resolveAfterMs: 1_800_000,
  thresholds: DEFAULT_STATUS_THRESHOLDS,
};

/** What the detector reads health from; read at each evaluation, so a config reload applies at once. */
export interface DetectorInputs {
  table: ModelTable;
}

/** One deployment as the status page shows it. */
export interface DeploymentComponent {
  id: string;
  provider: string;
  status: ComponentStatus;
}

/** One model as the status page shows it. */
export interface ModelComponent {
  name: string;
  description?: string;
  status: ComponentStatus;
  deployments: DeploymentComponent[];
}

interface ModelTrack {
  hysteresis: StatusHysteresis;
  incidentId?: string;
  phase: 'none' | 'investigating' | 'identified' | 'monitoring';
  quietSince?: number;
  usersSawErrors: boolean;
  kind?: IncidentKind;
  /** Deployments that were in trouble during the open incident: what it is about, even once quiet. */
  troubledDuring: Set<string>;
}

interface DeploymentTrack {
  hysteresis: StatusHysteresis;
  troubleSince?: number;
  alertIds: Map<Alert['kind'], string>;
  rateLimitedSince?: number;
}

/**
 * Watches health and turns it into published component statuses, incidents with evidence, and
 * operator alerts (DESIGN.md §7). Runs off the request path on a timer; every decision reads the
 * health windows the router already keeps, so it costs requests nothing.
 */
export class IncidentDetector {
  /** Shared by reference with every {@link StatusHysteresis}, so {@link configure} reaches them too. */
  private readonly options: DetectorOptions;
  private readonly models = new Map<string, ModelTrack>();
  private readonly deployments = new Map<string, DeploymentTrack>();
  private components: ModelComponent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly state: RoutingState,
    private readonly inputs: () => DetectorInputs,
    private readonly store: Store,
    private readonly clock: Clock,
    options: Partial<DetectorOptions> = {},
    private readonly notify: (event: StatusEvent) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
  }

  /**
   * Replaces timings and thresholds (a config reload). Published statuses, incidents and alerts are
   * kept; a status change already under way is held to the new `enterMs` / `leaveMs`, as the
   * hysteresis reads this detector's options.
   */
  configure(options: Partial<DetectorOptions>): void {
    const intervalMs = this.options.intervalMs;
    Object.assign(this.options, options);
    if (this.timer === undefined || this.options.intervalMs === intervalMs) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.start();
  }

  /** Evaluates every `intervalMs`. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.evaluate().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for an evaluation in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The published status of every model and its deployments, as of the last evaluation. */
  snapshot(): ModelComponent[] {
    return this.components;
  }

  /**
   * Forgets an incident an operator resolved by hand: the detector stops updating it, and opens a
   * new one if the trouble goes on.
   */
  release(incidentId: string): void {
    for (const track of this.models.values()) {
      if (track.incidentId !== incidentId) continue;
      delete track.incidentId;
      delete track.quietSince;
      track.phase = 'none';
      track.usersSawErrors = false;
      track.troubledDuring.clear();
    }
  }

  /** Evaluates health once (evaluations never overlap). */
  evaluate(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous.then(() => this.evaluateOnce());
    this.running = next.finally(() => {
      if (this.running === next) this.running = undefined;
    });
    return next;
  }

  private async evaluateOnce(): Promise<void> {
    const now = this.clock.now();
    const { table } = this.inputs();
    const health = new Map(this.state.health.snapshot().map((entry) => [entry.id, entry]));
    const maintenance = await this.store.listMaintenance({ activeAt: now });
    const underMaintenance = new Set(maintenance.flatMap((window) => window.components));
    const samples: Array<{ component: string; minute: number; status: ComponentStatus }> = [];
    const minute = Math.floor(now / 60_000) * 60_000;
    const components: ModelComponent[] = [];

    for (const route of table.list()) {
      const deployments: DeploymentComponent[] = [];
      for (const deployment of route.deployments) {
        const entry = health.get(deployment.deploymentId) ?? this.freshHealth(deployment.deploymentId);
        const status = await this.trackDeployment(
          deployment.deploymentId,
          deployment.provider.name,
          entry,
          now,
        );
        const shown = underMaintenance.has(deployment.deploymentId) ? 'under_maintenance' : status;
        deployments.push({ id: deployment.deploymentId, provider: deployment.provider.name, status: shown });
        samples.push({ component: deployment.deploymentId, minute, status: shown });
      }
      const model = this.modelTrack(route.name);
      const raw = modelStatusOf(this.state.requestWindow(route.name)?.read(60_000), this.options.thresholds);
      const before = model.hysteresis.current;
      const published = model.hysteresis.update(raw, now);
      const shown: ComponentStatus = underMaintenance.has(route.name) ? 'under_maintenance' : published;
      if (published !== before) {
        this.notify({
          type: 'component.status_changed',
          at: now,
          component: route.name,
          from: before,
          to: published,
        });
      }
      samples.push({ component: route.name, minute, status: shown });
      const component: ModelComponent = { name: route.name, status: shown, deployments };
      if (route.description !== undefined) component.description = route.description;
      components.push(component);
      if (!underMaintenance.has(route.name))
        await this.trackIncident(
          route.name,
          route.deployments.map((d) => d.deploymentId),
          health,
          published,
          now,
        );
    }
    this.components = components;
    this.store.recordSamples(samples);
  }

  private freshHealth(id: string): DeploymentHealth {
    this.state.health.status(id);
    return this.state.health.snapshot().find((entry) => entry.id === id) as DeploymentHealth;
  }

  private modelTrack(name: string): ModelTrack {
    let track = this.models.get(name);
    if (track === undefined) {
      track = {
        hysteresis: new StatusHysteresis(this.options),
        phase: 'none',
        usersSawErrors: false,
        troubledDuring: new Set(),
      };
      this.models.set(name, track);
    }
    return track;
  }

  private async trackDeployment(
    id: string,
    provider: string,
    health: DeploymentHealth,
    now: number,
  ): Promise<ComponentStatus> {
    let track = this.deployments.get(id);
    if (track === undefined) {
      track = {
        hysteresis: new StatusHysteresis(this.options),
        alertIds: new Map(),
      };
      this.deployments.set(id, track);
    }
    // Demoted (too many failures, still closed) is trouble too: its traffic already moved elsewhere.
    const troubled = health.status.state !== 'closed' || health.status.degraded || health.status.demoted;
    if (troubled) track.troubleSince ??= now;
    else delete track.troubleSince;
    await this.trackAlerts(track, id, provider, health, now);
    const before = track.hysteresis.current;
    const published = track.hysteresis.update(deploymentStatusOf(health, this.options.thresholds), now);
    if (published !== before) {
      this.notify({ type: 'component.status_changed', at: now, component: id, from: before, to: published });
    }
    return published;
  }

  /** Our-side faults (auth, quota, not_found, sustained rate limits) alert operators; never public. */
  private async trackAlerts(
    track: DeploymentTrack,
    id: string,
    provider: string,
    health: DeploymentHealth,
    now: number,
  ): Promise<void> {
    const disabled = health.status.disabled;
    const minute = health.windows.oneMinute;
    const limited = minute.byResult.rate_limited ?? 0;
    const rateLimited =
      health.status.coolingUntil !== undefined ||
      (limited >= 5 && limited / Math.max(1, minute.total) >= 0.2);
    if (rateLimited) track.rateLimitedSince ??= now;
    else delete track.rateLimitedSince;
    const wanted = new Map<Alert['kind'], string>();
    if (disabled !== undefined) wanted.set(disabled, alertMessage(disabled, provider, id));
    if (track.rateLimitedSince !== undefined)
      wanted.set('rate_limited', alertMessage('rate_limited', provider, id));
    for (const [kind, message] of wanted) {
      if (track.alertIds.has(kind)) continue;
      const alert = await this.store.recordAlert({ at: now, kind, provider, deployment: id, message });
      track.alertIds.set(kind, alert.id);
      this.notify({ type: 'alert.raised', at: now, alert });
    }
    for (const [kind, alertId] of track.alertIds) {
      if (wanted.has(kind)) continue;
      // Rate limits come and go: only a quiet spell as long as the status hysteresis ends the alert.
      if (
        kind === 'rate_limited' &&
        now - (health.status.coolingUntil ?? 0) < this.options.leaveMs &&
        minute.byResult.rate_limited
      )
        continue;
      await this.store.resolveAlert(alertId, now);
      track.alertIds.delete(kind);
      this.notify({ type: 'alert.resolved', at: now, alertId, deployment: id, kind });
    }
  }

  private async trackIncident(
    model: string,
    deploymentIds: readonly string[],
    health: ReadonlyMap<string, DeploymentHealth>,
    published: ComponentStatus,
    now: number,
  ): Promise<void> {
    const track = this.modelTrack(model);
    const troubled = deploymentIds.filter((id) => {
      const since = this.deployments.get(id)?.troubleSince;
      return since !== undefined && now - since >= this.options.incidentAfterMs;
    });
    const inTrouble = troubled.length > 0 || published === 'major_outage';
    const requests = this.state.requestWindow(model);
    if (track.phase !== 'none' && requests !== undefined) {
      const recent = requests.read(
        Math.max(1_000, Math.min(now - (track.quietSince ?? now) + 10_000, 60_000)),
      );
      if (
        recent.total -
          recent.successes -
          (recent.byResult.client_error ?? 0) -
          (recent.byResult.content_policy ?? 0) >
        0
      ) {
        track.usersSawErrors = true;
      }
    }
    if (!inTrouble && track.phase === 'none') return;
    for (const id of troubled) track.troubledDuring.add(id);
    const notClosed = deploymentIds.filter((id) => health.get(id)?.status.state !== 'closed');
    const evidence = measureEvidence({
      model,
      deploymentIds,
      troubled: troubled.length > 0 ? troubled : notClosed.length > 0 ? notClosed : [...track.troubledDuring],
      health,
      requests: requests?.read(300_000),
      published,
      usersSawErrors: track.usersSawErrors,
    });
    if (inTrouble) await this.whileInTrouble(model, track, evidence, published, now);
    else await this.whileQuiet(model, track, evidence, now);
  }

  private async whileInTrouble(
    model: string,
    track: ModelTrack,
    evidence: IncidentEvidence,
    published: ComponentStatus,
    now: number,
  ): Promise<void> {
    const text = describeIncident(model, evidence);
    if (track.phase === 'none' || track.incidentId === undefined) {
      track.usersSawErrors = evidence.users.errors > 0;
      const incident = await this.store.createIncident(
        {
          id: newId('inc'),
          kind: evidence.kind,
          status: 'investigating',
          impact: impactOf(published, evidence),
          title: text.title,
          components: [model],
          deployments: evidence.deployments.filter((d) => d.troubled).map((d) => d.id),
          startedAt: now,
          updatedAt: now,
          evidence: evidence as unknown as Record<string, unknown>,
          manual: false,
        },
        { at: now, status: 'investigating', body: text.investigating },
      );
      track.incidentId = incident.id;
      track.phase = 'investigating';
      track.kind = evidence.kind;
      this.notify({ type: 'incident.created', at: now, incident });
      return;
    }
    if (track.phase === 'investigating' || track.phase === 'monitoring') {
      const body =
        track.phase === 'monitoring' ? `The problem returned. ${text.identified}` : text.identified;
      delete track.quietSince;
      track.phase = 'identified';
      const incident = await this.store.addIncidentUpdate(
        track.incidentId,
        { at: now, status: 'identified', body },
        {
          status: 'identified',
          impact: impactOf(published, evidence),
          evidence: evidence as unknown as Record<string, unknown>,
        },
      );
      this.notify({ type: 'incident.updated', at: now, incident });
      return;
    }
    // Still identified: nothing new to say; the evidence is brought up to date at the next transition.
  }

  private async whileQuiet(
    model: string,
    track: ModelTrack,
    evidence: IncidentEvidence,
    now: number,
  ): Promise<void> {
    if (track.incidentId === undefined) return;
    const text = describeIncident(model, evidence);
    if (track.phase !== 'monitoring') {
      track.phase = 'monitoring';
      track.quietSince = now;
      const incident = await this.store.addIncidentUpdate(
        track.incidentId,
        { at: now, status: 'monitoring', body: text.monitoring },
        { status: 'monitoring', evidence: evidence as unknown as Record<string, unknown> },
      );
      this.notify({ type: 'incident.updated', at: now, incident });
      return;
    }
    if (now - (track.quietSince ?? now) < this.options.resolveAfterMs) return;
    const incident: Incident = await this.store.addIncidentUpdate(
      track.incidentId,
      { at: now, status: 'resolved', body: text.resolved(now - (track.quietSince ?? now)) },
      { status: 'resolved', resolvedAt: now },
    );
    track.phase = 'none';
    track.usersSawErrors = false;
    track.troubledDuring.clear();
    delete track.incidentId;
    delete track.quietSince;
    this.notify({ type: 'incident.resolved', at: now, incident });
  }
}

function impactOf(published: ComponentStatus, evidence: IncidentEvidence): Incident['impact'] {
  if (severityOf(published) >= severityOf('major_outage')) return 'major';
  if (evidence.users.errors > 0 || severityOf(published) >= severityOf('partial_outage')) return 'minor';
  return 'none';
}

function alertMessage(kind: Alert['kind'], provider: string, deployment: string): string {
  switch (kind) {
    case 'auth':
      return `Provider "${provider}" rejected Detour's credentials for ${deployment}. The deployment is disabled until an operator fixes the key and re-enables it (POST /admin/deployments/enable).`;
    case 'quota':
      return `Provider "${provider}" says our quota or billing limit is exhausted for ${deployment}. The deployment is disabled until an operator re-enables it.`;
    case 'not_found':
      return `Provider "${provider}" does not know the model id of ${deployment}. Check the model id in the config; the deployment is disabled until re-enabled.`;
    case 'rate_limited':
      return `Provider "${provider}" is rate-limiting ${deployment} (our quota at that host). Traffic moves to other deployments while it cools down.`;
  }
}
