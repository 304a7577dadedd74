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
  visibleErrorsOf,
  worseOf,
} from './component-status.js';
import {
  type CanaryInput,
  canaryEvidenceOf,
  describeIncident,
  type IncidentEvidence,
  type IncidentTexts,
  measureEvidence,
} from './incident-evidence.js';
import {
  type IncidentPhase,
  type LifecycleTransition,
  lifecycleEventOf,
  transitionOf,
} from './incident-lifecycle.js';
import { describeQualityIncident, measureQualityEvidence } from './quality-incident.js';
import type { QualityAlarm, QualityView } from './quality-view.js';
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
  /** The quality canaries' alarms and readings; absent when canaries are off. */
  quality?: QualityView;
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

/**
 * Fixed thresholds of the detector (the configurable ones are {@link DetectorOptions}). A
 * deployment's sustained rate limiting raises an operator alert from this many rate-limited
 * attempts that are at least this share of its last minute.
 */
export const RATE_LIMIT_ALERT = { minAttempts: 5, minShare: 0.2 } as const;

/**
 * Whether users saw errors during an open incident is read over the time since it went quiet plus
 * `marginMs`, kept within [`minMs`, `maxMs`]: long enough to see the failures that opened it, short
 * enough not to count ones from before it.
 */
export const USER_ERROR_LOOKBACK = { minMs: 1_000, maxMs: 60_000, marginMs: 10_000 } as const;

/** Evidence counts are over this window (the `5m` of {@link IncidentEvidence}). */
const EVIDENCE_WINDOW_MS = 300_000;

/**
 * Canary counts in evidence are over this window: at a few runs a minute per host, long enough for
 * a pass rate worth quoting.
 */
export const CANARY_EVIDENCE_WINDOW_MS = 900_000;

/**
 * The store lease that makes one replica of many the detector's writer (DESIGN.md §9): only its
 * holder opens, updates and resolves incidents and alerts, records uptime samples and emits status
 * events, so each happens once however many replicas see the fault. The holder renews it at every
 * evaluation; it runs for `ttlIntervals` evaluation intervals, so a replica that dies or hangs hands
 * over within that time, while one slow evaluation does not.
 */
export const DETECTOR_LEASE = { name: 'incident-detector', ttlIntervals: 3 } as const;

/** Open incidents and alerts read back from the store at start; far more than are ever open. */
const RESTORE_LIMIT = 10_000;

interface ModelTrack {
  hysteresis: StatusHysteresis;
  incidentId?: string;
  phase: IncidentPhase;
  quietSince?: number;
  /** When the incident was taken over from the store after a restart. */
  restoredAt?: number;
  usersSawErrors: boolean;
  kind?: IncidentKind;
  /** Deployments that were in trouble during the open incident: what it is about, even once quiet. */
  troubledDuring: Set<string>;
  /** Quality tracks: the alarms last seen while the incident had any, to describe it once they clear. */
  lastAlarms?: readonly QualityAlarm[];
}

/** What one incident write carries, whatever its kind. */
interface IncidentDraft {
  kind: IncidentKind;
  impact: Incident['impact'];
  deployments: string[];
  evidence: Record<string, unknown>;
  text: IncidentTexts;
}

interface DeploymentTrack {
  hysteresis: StatusHysteresis;
  troubleSince?: number;
  /** Open alerts by kind; `restoredAt` when taken over from the store after a restart. */
  alerts: Map<Alert['kind'], { id: string; restoredAt?: number }>;
  /**
   * When the rate limiting last seen ends: the evaluation that saw it, or the end of the cool-down
   * it set, whichever is later. The alert ends `leaveMs` after it.
   */
  rateLimitedUntil?: number;
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
  /** Quality incidents follow their own timeline beside a model's infrastructure incident. */
  private readonly quality = new Map<string, ModelTrack>();
  private readonly deployments = new Map<string, DeploymentTrack>();
  private components: ModelComponent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** This detector's name as a lease holder: one per instance, so a restarted replica is a new holder. */
  private readonly holder = newId('detector');
  /** Whether the last evaluation held {@link DETECTOR_LEASE}. */
  private leading = false;

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

  /**
   * Stops the timer, waits for an evaluation in progress and gives up the lease, so another replica
   * takes over at its next evaluation rather than when the lease runs out.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (!this.leading) return;
    this.leading = false;
    await this.store.releaseLease(DETECTOR_LEASE.name, this.holder);
  }

  /** Whether this replica wrote incidents at its last evaluation (holds {@link DETECTOR_LEASE}). */
  isLeader(): boolean {
    return this.leading;
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
    for (const track of this.tracks()) {
      if (track.incidentId !== incidentId) continue;
      const transition = transitionOf(track.phase, 'released');
      if (transition !== undefined) forgetIncident(track);
    }
  }

  /** Every model's infrastructure and quality tracks. */
  private tracks(): ModelTrack[] {
    return [...this.models.values(), ...this.quality.values()];
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
    // Every replica follows health and publishes statuses on its own status page; only the lease
    // holder writes. Followers keep their hysteresis and trouble clocks running, so a replica that
    // takes over knows how long a fault has lasted.
    const leading = await this.lead(now);
    const { table, quality } = this.inputs();
    const health = new Map(this.state.health.snapshot().map((entry) => [entry.id, entry]));
    const maintenance = await this.store.listMaintenance({ activeAt: now });
    const underMaintenance = new Set(maintenance.flatMap((window) => window.components));
    const samples: Array<{ component: string; minute: number; status: ComponentStatus }> = [];
    const minute = Math.floor(now / 60_000) * 60_000;
    const components: ModelComponent[] = [];

    for (const route of table.list()) {
      const alarms = quality?.alarms(route.name) ?? [];
      const alarmed = new Set(alarms.map((alarm) => alarm.deployment));
      const deployments: DeploymentComponent[] = [];
      for (const deployment of route.deployments) {
        let entry = health.get(deployment.deploymentId);
        if (entry === undefined) {
          // Never used yet: closed and clean. Kept in the map, which the incident reads too; absent
          // from it, the deployment would be taken for one that is not closed and blamed.
          entry = this.freshHealth(deployment.deploymentId);
          health.set(deployment.deploymentId, entry);
        }
        const status = await this.trackDeployment(
          deployment.deploymentId,
          deployment.provider.name,
          entry,
          now,
          leading,
          alarmed.has(deployment.deploymentId),
        );
        const shown = underMaintenance.has(deployment.deploymentId) ? 'under_maintenance' : status;
        deployments.push({ id: deployment.deploymentId, provider: deployment.provider.name, status: shown });
        samples.push({ component: deployment.deploymentId, minute, status: shown });
      }
      const model = this.modelTrack(route.name);
      // A quality alarm degrades what users get even while every request succeeds (DESIGN.md §7).
      const raw = worseOf(
        modelStatusOf(this.state.requestWindow(route.name)?.read(60_000), this.options.thresholds),
        alarms.length > 0 ? 'degraded_performance' : 'operational',
      );
      const before = model.hysteresis.current;
      const published = model.hysteresis.update(raw, now);
      const shown: ComponentStatus = underMaintenance.has(route.name) ? 'under_maintenance' : published;
      if (published !== before && leading) {
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
      const ids = route.deployments.map((d) => d.deploymentId);
      const canaries: CanaryInput | undefined =
        quality === undefined
          ? undefined
          : {
              readings: quality.readings(ids, CANARY_EVIDENCE_WINDOW_MS),
              alarms,
              windowMs: CANARY_EVIDENCE_WINDOW_MS,
            };
      if (leading && !underMaintenance.has(route.name)) {
        await this.trackIncident(route.name, ids, health, published, now, canaries);
        // Without canaries (turned off, or not yet running) a quality incident still open, e.g. one
        // taken over after a restart, follows its timeline with no alarm: it resolves.
        if (canaries !== undefined || (this.quality.get(route.name)?.phase ?? 'none') !== 'none')
          await this.trackQuality(route.name, canaries, now);
      }
    }
    this.components = components;
    if (leading) this.store.recordSamples(samples);
  }

  /**
   * Takes or renews {@link DETECTOR_LEASE}. On taking it (at start, or over from a replica that died
   * or stopped) the store's open incidents and alerts are the truth, not what this replica remembers
   * from an earlier term: another holder may have updated or resolved them meanwhile, so they are
   * forgotten and taken over afresh, and nothing is opened twice.
   */
  private async lead(now: number): Promise<boolean> {
    const ttlMs = this.options.intervalMs * DETECTOR_LEASE.ttlIntervals;
    const held = await this.store.acquireLease(DETECTOR_LEASE.name, this.holder, now, ttlMs);
    if (held && !this.leading) {
      for (const track of this.tracks()) forgetIncident(track);
      for (const track of this.deployments.values()) track.alerts.clear();
      await this.restore(now);
    } else if (held) {
      await this.releaseResolvedElsewhere();
    }
    this.leading = held;
    return held;
  }

  /**
   * An operator may resolve an incident through any replica's admin API, and {@link release} runs
   * only on that one: the holder reads which of its incidents are still open, so it never writes
   * to one an operator closed. One read per evaluation, and only while an incident is open.
   */
  private async releaseResolvedElsewhere(): Promise<void> {
    const followed = this.tracks().flatMap((track) => track.incidentId ?? []);
    if (followed.length === 0) return;
    const open = new Set(
      (await this.store.listIncidents({ open: true, limit: RESTORE_LIMIT })).map((incident) => incident.id),
    );
    for (const id of followed) if (!open.has(id)) this.release(id);
  }

  /**
   * Takes over the incidents and alerts a previous run (or the previous lease holder) left open, so
   * that after a restart or a hand-over a relapse continues them and a clean period resolves them,
   * instead of their staying open for ever beside new ones. Health starts empty after a restart, so
   * each is watched for a while before it may be called quiet (see `lifecycleEventOf` and
   * `trackAlerts`).
   */
  private async restore(now: number): Promise<void> {
    // Newest first: if a model has several (left by a version that did not restore), the newest is continued.
    for (const incident of await this.store.listIncidents({ open: true, limit: RESTORE_LIMIT })) {
      if (incident.manual || incident.status === 'resolved') continue;
      for (const model of incident.components) {
        const track = incident.kind === 'quality' ? this.qualityTrack(model) : this.modelTrack(model);
        if (track.incidentId !== undefined) continue;
        track.incidentId = incident.id;
        track.phase = incident.status;
        track.kind = incident.kind;
        track.restoredAt = now;
        track.usersSawErrors = sawErrorsOf(incident.evidence);
        for (const id of incident.deployments) track.troubledDuring.add(id);
        if (incident.status === 'monitoring') {
          const quiet = incident.updates.findLast((update) => update.status === 'monitoring');
          track.quietSince = quiet?.at ?? incident.updatedAt;
        }
      }
    }
    for (const alert of await this.store.listAlerts({ open: true, limit: RESTORE_LIMIT })) {
      const track = this.deploymentTrack(alert.deployment);
      if (!track.alerts.has(alert.kind)) track.alerts.set(alert.kind, { id: alert.id, restoredAt: now });
    }
  }

  private freshHealth(id: string): DeploymentHealth {
    this.state.health.status(id);
    return this.state.health.snapshot().find((entry) => entry.id === id) as DeploymentHealth;
  }

  private modelTrack(name: string): ModelTrack {
    return this.trackIn(this.models, name);
  }

  private qualityTrack(name: string): ModelTrack {
    return this.trackIn(this.quality, name);
  }

  private trackIn(tracks: Map<string, ModelTrack>, name: string): ModelTrack {
    let track = tracks.get(name);
    if (track === undefined) {
      track = {
        hysteresis: new StatusHysteresis(this.options),
        phase: 'none',
        usersSawErrors: false,
        troubledDuring: new Set(),
      };
      tracks.set(name, track);
    }
    return track;
  }

  private deploymentTrack(id: string): DeploymentTrack {
    let track = this.deployments.get(id);
    if (track === undefined) {
      track = {
        hysteresis: new StatusHysteresis(this.options),
        alerts: new Map(),
      };
      this.deployments.set(id, track);
    }
    return track;
  }

  private async trackDeployment(
    id: string,
    provider: string,
    health: DeploymentHealth,
    now: number,
    leading: boolean,
    qualityAlarm: boolean,
  ): Promise<ComponentStatus> {
    const track = this.deploymentTrack(id);
    // Demoted (too many failures, still closed) is trouble too: its traffic already moved elsewhere.
    const troubled = health.status.state !== 'closed' || health.status.degraded || health.status.demoted;
    if (troubled) track.troubleSince ??= now;
    else delete track.troubleSince;
    await this.trackAlerts(track, id, provider, health, now, leading);
    const before = track.hysteresis.current;
    const raw = worseOf(
      deploymentStatusOf(health, this.options.thresholds),
      qualityAlarm ? 'degraded_performance' : 'operational',
    );
    const published = track.hysteresis.update(raw, now);
    if (published !== before && leading) {
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
    leading: boolean,
  ): Promise<void> {
    const disabled = health.status.disabled;
    const minute = health.windows.oneMinute;
    const limited = minute.byResult.rate_limited ?? 0;
    const rateLimited =
      health.status.coolingUntil !== undefined ||
      (limited >= RATE_LIMIT_ALERT.minAttempts &&
        limited / Math.max(1, minute.total) >= RATE_LIMIT_ALERT.minShare);
    if (rateLimited) track.rateLimitedUntil = Math.max(now, health.status.coolingUntil ?? now);
    if (!leading) return;
    const wanted = new Map<Alert['kind'], string>();
    if (disabled !== undefined) wanted.set(disabled, alertMessage(disabled, provider, id));
    if (rateLimited) wanted.set('rate_limited', alertMessage('rate_limited', provider, id));
    for (const [kind, message] of wanted) {
      if (track.alerts.has(kind)) continue;
      const alert = await this.store.recordAlert({ at: now, kind, provider, deployment: id, message });
      track.alerts.set(kind, { id: alert.id });
      this.notify({ type: 'alert.raised', at: now, alert });
    }
    for (const [kind, { id: alertId, restoredAt }] of track.alerts) {
      if (wanted.has(kind)) continue;
      // Health starts empty after a restart, so a taken-over alert's cause may simply not have been
      // seen yet: it needs the same quiet spell before it ends.
      if (restoredAt !== undefined && now - restoredAt < this.options.leaveMs) continue;
      // Rate limits come and go: only a quiet spell as long as the status hysteresis ends the alert,
      // counted from the track's own record (health reports no cool-down once it is over).
      if (kind === 'rate_limited' && now - (track.rateLimitedUntil ?? 0) < this.options.leaveMs) continue;
      await this.store.resolveAlert(alertId, now);
      track.alerts.delete(kind);
      this.notify({ type: 'alert.resolved', at: now, alertId, deployment: id, kind });
    }
  }

  private async trackIncident(
    model: string,
    deploymentIds: readonly string[],
    health: ReadonlyMap<string, DeploymentHealth>,
    published: ComponentStatus,
    now: number,
    canaries: CanaryInput | undefined,
  ): Promise<void> {
    const track = this.modelTrack(model);
    const since = deploymentIds.flatMap((id) => this.deployments.get(id)?.troubleSince ?? []);
    const troubleSince = since.length > 0 ? Math.min(...since) : undefined;
    const event = lifecycleEventOf(
      {
        now,
        troubleSince,
        majorOutage: published === 'major_outage',
        quietSince: track.quietSince,
        restoredAt: track.restoredAt,
      },
      this.options,
    );
    const requests = this.state.requestWindow(model);
    if (track.phase !== 'none' && requests !== undefined) {
      const lookback = now - (track.quietSince ?? now) + USER_ERROR_LOOKBACK.marginMs;
      const recent = requests.read(
        Math.max(USER_ERROR_LOOKBACK.minMs, Math.min(lookback, USER_ERROR_LOOKBACK.maxMs)),
      );
      if (visibleErrorsOf(recent) > 0) track.usersSawErrors = true;
    }
    const troubled = deploymentIds.filter((id) => {
      const start = this.deployments.get(id)?.troubleSince;
      return start !== undefined && now - start >= this.options.incidentAfterMs;
    });
    for (const id of troubled) track.troubledDuring.add(id);
    const transition = transitionOf(track.phase, event);
    // Absent from the table: cannot happen in this phase, so nothing is written.
    if (transition === undefined || transition.write === 'nothing') return;
    const notClosed = deploymentIds.filter((id) => health.get(id)?.status.state !== 'closed');
    const evidence = measureEvidence({
      model,
      deploymentIds,
      troubled: troubled.length > 0 ? troubled : notClosed.length > 0 ? notClosed : [...track.troubledDuring],
      health,
      requests: requests?.read(EVIDENCE_WINDOW_MS),
      published,
      usersSawErrors: track.usersSawErrors,
      ...(canaries === undefined ? {} : { canaries }),
    });
    if (transition.write === 'open') track.usersSawErrors = evidence.users.errors > 0;
    const draft: IncidentDraft = {
      kind: evidence.kind,
      impact: impactOf(published, evidence),
      deployments: evidence.deployments.filter((d) => d.troubled).map((d) => d.id),
      evidence: evidence as unknown as Record<string, unknown>,
      text: describeIncident(model, evidence),
    };
    await this.apply(model, track, transition, draft, now);
  }

  /**
   * A model's quality incident, on its own timeline beside its infrastructure one: opened as soon
   * as a quality alarm is public (the canary statistics already waited for the evidence), monitoring
   * once every alarm cleared, resolved after `resolveAfterMs` of normal canaries. Impact `none`:
   * requests still succeed, and quality is never counted as downtime.
   */
  private async trackQuality(model: string, canaries: CanaryInput | undefined, now: number): Promise<void> {
    const track = this.qualityTrack(model);
    const alarms = canaries?.alarms ?? [];
    if (alarms.length > 0) track.lastAlarms = alarms;
    const since = alarms.length > 0 ? Math.min(...alarms.map((alarm) => alarm.since)) : undefined;
    const event = lifecycleEventOf(
      {
        now,
        troubleSince: since,
        majorOutage: false,
        quietSince: track.quietSince,
        restoredAt: track.restoredAt,
      },
      { incidentAfterMs: 0, resolveAfterMs: this.options.resolveAfterMs },
    );
    for (const alarm of alarms) track.troubledDuring.add(alarm.deployment);
    const transition = transitionOf(track.phase, event);
    if (transition === undefined || transition.write === 'nothing') return;
    const evidence = measureQualityEvidence(track.lastAlarms ?? [], canaryEvidenceOf(canaries));
    const draft: IncidentDraft = {
      kind: 'quality',
      impact: 'none',
      deployments: [...track.troubledDuring],
      evidence: evidence as unknown as Record<string, unknown>,
      text: describeQualityIncident(model, evidence),
    };
    await this.apply(model, track, transition, draft, now);
  }

  /** Writes what a transition says and moves the track to its phase. */
  private async apply(
    model: string,
    track: ModelTrack,
    transition: LifecycleTransition,
    draft: IncidentDraft,
    now: number,
  ): Promise<void> {
    const { text, evidence: recorded } = draft;
    const write = transition.write;
    switch (write) {
      case 'open': {
        const incident = await this.store.createIncident(
          {
            id: newId('inc'),
            kind: draft.kind,
            status: 'investigating',
            impact: draft.impact,
            title: text.title,
            components: [model],
            deployments: draft.deployments,
            startedAt: now,
            updatedAt: now,
            evidence: recorded,
            manual: false,
          },
          { at: now, status: 'investigating', body: text.investigating },
        );
        track.incidentId = incident.id;
        track.kind = draft.kind;
        this.notify({ type: 'incident.created', at: now, incident });
        break;
      }
      case 'identify':
      case 'relapse': {
        const body = write === 'relapse' ? `The problem returned. ${text.identified}` : text.identified;
        delete track.quietSince;
        const incident = await this.store.addIncidentUpdate(
          openIncidentOf(track),
          { at: now, status: 'identified', body },
          { status: 'identified', impact: draft.impact, evidence: recorded },
        );
        this.notify({ type: 'incident.updated', at: now, incident });
        break;
      }
      case 'monitor': {
        track.quietSince = now;
        const incident = await this.store.addIncidentUpdate(
          openIncidentOf(track),
          { at: now, status: 'monitoring', body: text.monitoring },
          { status: 'monitoring', evidence: recorded },
        );
        this.notify({ type: 'incident.updated', at: now, incident });
        break;
      }
      case 'resolve': {
        const quietFor = now - (track.quietSince ?? now);
        const incident: Incident = await this.store.addIncidentUpdate(
          openIncidentOf(track),
          { at: now, status: 'resolved', body: text.resolved(quietFor) },
          { status: 'resolved', resolvedAt: now },
        );
        forgetIncident(track);
        this.notify({ type: 'incident.resolved', at: now, incident });
        break;
      }
      case 'forget':
        forgetIncident(track);
        break;
      case 'nothing':
        break;
      default: {
        const unknown: never = write;
        throw new Error(`unknown lifecycle write ${String(unknown)}`);
      }
    }
    track.phase = transition.to;
  }
}

/** The incident a track follows; the lifecycle table never writes an update without one. */
function openIncidentOf(track: ModelTrack): string {
  if (track.incidentId === undefined) throw new Error(`no open incident in phase ${track.phase}`);
  return track.incidentId;
}

/** Back to no incident: the next trouble opens a new one. */
function forgetIncident(track: ModelTrack): void {
  track.phase = 'none';
  track.usersSawErrors = false;
  track.troubledDuring.clear();
  delete track.incidentId;
  delete track.quietSince;
  delete track.restoredAt;
  delete track.kind;
  delete track.lastAlarms;
}

/** What a stored incident's evidence says about users seeing errors. */
function sawErrorsOf(evidence: Record<string, unknown>): boolean {
  const users = evidence.users;
  return typeof users === 'object' && users !== null && (users as { sawErrors?: unknown }).sawErrors === true;
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
