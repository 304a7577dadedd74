import {
  type CanaryCase,
  type CanaryResult,
  CanaryScheduler,
  gradeAnswer,
  loadCanarySuites,
  type QualityAlarm as MonitorAlarm,
  type QualityEvent,
  QualityMonitor,
  runCanary,
} from '../canaries/index.js';
import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { CanaryReading, QualityAlarm, QualityView } from '../incidents/index.js';
import type { UpstreamTransport } from '../providers/index.js';
import type { Deployment, ModelTable, RoutingState } from '../routing/index.js';
import type { Store } from '../store/index.js';

/** How long canary results are kept in memory for incident evidence (the store keeps them all). */
const RECENT_MS = 3_600_000;
/** History read back into the statistics when this replica takes over: baselines and open drops. */
const HISTORY_MS = 7 * 86_400_000;
const HISTORY_ROWS = 20_000;

/** Inputs of {@link CanaryRuntime}. */
export interface CanaryRuntimeInput {
  /** The current config (per-model `quality.onAlarm` is read when an alarm opens or clears). */
  config: () => DetourConfig;
  /** The current models and transport, read at each tick (a reload applies at once). */
  target: () => { table: ModelTable; transport: UpstreamTransport };
  state: RoutingState;
  store: Store;
  clock: Clock;
  /**
   * Whether this replica runs the canaries: the one holding the incident detector's lease, so
   * replicas sharing a store neither pay for the same canaries twice nor judge them apart.
   */
  isLeader: () => boolean;
  random?: () => number;
  /** Told of every canary run as it ends (metrics); not of results read back from the store. */
  onRun?: (result: CanaryResult) => void;
  /** Told when a quality alarm opens, changes or clears (logging). */
  onEvent?: (event: QualityEvent) => void;
  onError?: (error: unknown) => void;
}

/**
 * The quality canaries of one running Detour (DESIGN.md §7): the scheduler sends the suites to
 * every deployment under the monthly caps, results go to the store and the drift statistics, and
 * the incident detector reads alarms and recent pass rates through {@link QualityView}.
 */
export class CanaryRuntime implements QualityView {
  readonly scheduler: CanaryScheduler;
  readonly cases: readonly CanaryCase[];
  private statistics = new QualityMonitor();
  private readonly recent = new Map<string, CanaryResult[]>();
  /** Whether this replica runs the canaries (holds the lease) as of the last tick. */
  private leading = false;
  private history: Promise<void> | undefined;
  private replaying = false;

  constructor(private readonly input: CanaryRuntimeInput) {
    const config = input.config().canaries;
    this.cases = loadSuites(config.suites);
    const scheduler: ConstructorParameters<typeof CanaryScheduler>[0] = {
      ready: () => this.prepare(),
      deployments: () => (this.leading ? deploymentsOf(input.target().table) : []),
      cases: () => this.cases,
      send: (deployment, canary, signal) =>
        runCanary(deployment, canary, gradeAnswer, {
          transport: input.target().transport,
          clock: input.clock,
          signal,
        }),
      status: (id) => input.state.health.status(id),
      store: input.store,
      clock: input.clock,
      everyMs: config.every,
      monthlyCapUsd: config.monthlyCapUsd,
      onResult: (result) => {
        this.input.onRun?.(result);
        this.record(result);
      },
    };
    if (input.random !== undefined) scheduler.random = input.random;
    if (input.onError !== undefined) scheduler.onError = input.onError;
    this.scheduler = new CanaryScheduler(scheduler);
  }

  /** The drift statistics (replaced when this replica loses the lease). */
  get monitor(): QualityMonitor {
    return this.statistics;
  }

  /** Every deployment the statistics judge, and whether a public alarm is open on it. */
  alarmStates(): Array<{ deployment: string; alarm: boolean }> {
    const alarmed = new Set(this.statistics.alarms().map((alarm) => alarm.deployment));
    return deploymentsOf(this.input.target().table)
      .filter((deployment) => this.statistics.status(deployment.deploymentId) !== undefined)
      .map((deployment) => ({
        deployment: deployment.deploymentId,
        alarm: alarmed.has(deployment.deploymentId),
      }));
  }

  /** A deployment's quality state, for the admin API. */
  status(deployment: string) {
    return this.statistics.status(deployment);
  }

  start(): void {
    this.scheduler.start();
  }

  /**
   * Follows the lease. On taking it, the stored results of the last week are read back into the
   * statistics (baselines, and a drop that was open under the previous holder) before a canary is
   * sent; on losing it, this replica's statistics, alarms and demotions are dropped, since the
   * holder's are the ones that count.
   */
  private prepare(): Promise<void> | undefined {
    if (!this.input.isLeader()) {
      if (this.leading) this.resign();
      return undefined;
    }
    if (!this.leading) {
      this.leading = true;
      this.history = this.replayHistory().catch((error: unknown) => this.input.onError?.(error));
    }
    return this.history;
  }

  private resign(): void {
    this.leading = false;
    this.history = undefined;
    this.statistics = new QualityMonitor();
    this.recent.clear();
    this.input.state.qualityDemoted.clear();
  }

  private async replayHistory(): Promise<void> {
    const rows = await this.input.store.listCanaryResults({
      from: this.input.clock.now() - HISTORY_MS,
      limit: HISTORY_ROWS,
    });
    this.replaying = true;
    try {
      // Newest first from the store; the statistics read them in the order they happened.
      for (let index = rows.length - 1; index >= 0; index -= 1) this.record(rows[index] as CanaryResult);
    } finally {
      this.replaying = false;
    }
  }

  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Feeds one result to the statistics and the recent window; applies `quality.onAlarm`. */
  record(result: CanaryResult): void {
    let list = this.recent.get(result.deployment);
    if (list === undefined) {
      list = [];
      this.recent.set(result.deployment, list);
    }
    list.push(result);
    const horizon = this.input.clock.now() - RECENT_MS;
    while (list.length > 0 && (list[0]?.at ?? 0) < horizon) list.shift();
    const events = this.statistics.record(result);
    if (events.length === 0) return;
    if (!this.replaying) for (const event of events) this.input.onEvent?.(event);
    this.applyDemotions();
  }

  alarms(model: string): readonly QualityAlarm[] {
    return this.statistics
      .alarms()
      .filter((alarm) => alarm.model === model)
      .map(toIncidentAlarm);
  }

  readings(deploymentIds: readonly string[], windowMs: number): readonly CanaryReading[] {
    const from = this.input.clock.now() - windowMs;
    return deploymentIds.map((deployment) => {
      let graded = 0;
      let passed = 0;
      for (const result of this.recent.get(deployment) ?? []) {
        if (result.at < from || result.pass === null) continue;
        graded += 1;
        if (result.pass) passed += 1;
      }
      const phase = this.statistics.status(deployment)?.phase;
      return phase === undefined ? { deployment, graded, passed } : { deployment, graded, passed, phase };
    });
  }

  /** `quality.onAlarm: demote` models try their alarmed deployments after every healthy peer. */
  private applyDemotions(): void {
    const models = this.input.config().models;
    const demoted = this.input.state.qualityDemoted;
    demoted.clear();
    for (const alarm of this.statistics.alarms())
      if (models[alarm.model]?.quality?.onAlarm === 'demote') demoted.add(alarm.deployment);
  }
}

/** Built-in suite names and suite files from `canaries.suites` (absent: every built-in suite). */
function loadSuites(suites: readonly string[] | undefined): CanaryCase[] {
  if (suites === undefined) return loadCanarySuites();
  const files = suites.filter(isSuiteFile);
  const names = suites.filter((entry) => !isSuiteFile(entry));
  return loadCanarySuites({ builtIn: names.length > 0 ? names : false, files });
}

function isSuiteFile(entry: string): boolean {
  return /[\\/]/.test(entry) || /\.ya?ml$/i.test(entry);
}

/** Every deployment once, even one that serves several models. */
function deploymentsOf(table: ModelTable): Deployment[] {
  const seen = new Map<string, Deployment>();
  for (const route of table.list())
    for (const deployment of route.deployments)
      if (!seen.has(deployment.deploymentId)) seen.set(deployment.deploymentId, deployment);
  return [...seen.values()];
}

/** The monitor's alarm as the incident detector reads it, its statistics kept as evidence. */
function toIncidentAlarm(alarm: MonitorAlarm): QualityAlarm {
  return {
    deployment: alarm.deployment,
    model: alarm.model,
    attribution: alarm.attribution,
    since: alarm.openedAt,
    baselineRate: alarm.baseline.p0,
    currentRate: alarm.window.passRate,
    samples: alarm.window.graded,
    evidence: {
      suites: alarm.suites,
      sprt: alarm.sprt,
      confirmation: alarm.confirmation,
      responseModels: alarm.responseModels,
      hosts: alarm.hosts,
      alarmedHosts: alarm.alarmedHosts,
    },
  };
}
