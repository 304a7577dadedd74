import type { Clock } from '../core/index.js';
import type { BreakerOptionsInput } from './breaker-options.js';
import type { BreakerTransition, BreakerTransitionKind } from './breaker-transition.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { DeploymentStatus } from './deployment-status.js';
import {
  DEFAULT_SLOWNESS_OPTIONS,
  detectSlowness,
  initialSlownessState,
  type SlownessOptions,
  type SlownessState,
} from './detect-slowness.js';
import type {
  DeploymentHealth,
  FirstTokenBaseline,
  HealthKnobs,
  HealthStore,
  HealthStoreState,
} from './health-store.js';
import { countsAsFailure, OUTCOME_RESULTS, type Outcome, type OutcomeResult } from './outcome.js';
import { OutcomeWindow } from './outcome-window.js';
import type { TrialLease } from './trial-lease.js';

/** Options of a {@link MemoryHealthStore}. */
export interface MemoryHealthStoreOptions extends HealthKnobs {
  /** Where "now" comes from. */
  clock: Clock;
  /** 1 s buckets per window; default 300 (5 min). */
  windowBuckets?: number;
}

const DEFAULT_PROBE_AFTER_MS = 5000;
const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 10_000;

interface Entry {
  window: OutcomeWindow;
  breaker: CircuitBreaker;
  slowness: SlownessState;
  /** Last second in which slowness was evaluated: at most once a second, as its windows are long. */
  slownessSecond: number;
  /** The first-token baseline as last read, and the second it was read in (-1: never). */
  baseline: FirstTokenBaseline | undefined;
  baselineSecond: number;
}

/** A {@link HealthStore} in process memory: one process, no sharing. */
export class MemoryHealthStore implements HealthStore {
  private readonly clock: Clock;
  private readonly windowBuckets: number;
  private breakerOptions: BreakerOptionsInput = {};
  private slownessOptions: SlownessOptions = DEFAULT_SLOWNESS_OPTIONS;
  private probeAfterMs = DEFAULT_PROBE_AFTER_MS;
  private healthCheckIntervalMs = DEFAULT_HEALTH_CHECK_INTERVAL_MS;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(transition: BreakerTransition) => void>();
  private readonly recordListeners = new Set<(outcome: Outcome) => void>();
  /** True while another replica's transition is applied: it is not told again (no echo). */
  private applying = false;

  constructor(options: MemoryHealthStoreOptions) {
    this.clock = options.clock;
    this.windowBuckets = options.windowBuckets ?? 300;
    this.configure(options);
  }

  configure(knobs: HealthKnobs): void {
    this.breakerOptions = knobs.breaker ?? {};
    this.slownessOptions = { ...DEFAULT_SLOWNESS_OPTIONS, ...knobs.slowness };
    this.probeAfterMs = knobs.probeAfterMs ?? DEFAULT_PROBE_AFTER_MS;
    this.healthCheckIntervalMs = knobs.healthCheckIntervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS;
    // In place: requests in flight hold these breakers (trial slots), so they must not be replaced.
    for (const entry of this.entries.values()) entry.breaker.reconfigure(this.breakerOptions);
  }

  forget(deploymentId: string): void {
    this.entries.delete(deploymentId);
  }

  record(outcome: Outcome, lease?: TrialLease): void {
    const entry = this.entry(outcome.deploymentId);
    entry.window.record(outcome);
    for (const listener of this.recordListeners) listener(outcome);
    entry.breaker.onOutcome(outcome, entry.window, lease);
    const second = Math.floor(outcome.at / 1000);
    if (outcome.timeToFirstTokenMs !== undefined && second !== entry.slownessSecond) {
      entry.slownessSecond = second;
      entry.slowness = detectSlowness(
        entry.slowness,
        {
          now: outcome.at,
          recent: entry.window.read(this.slownessOptions.recentWindowMs),
          // The period that just ended, not the one this outcome opened.
          lastPeriod: entry.window.read(
            this.slownessOptions.sampleMs,
            Math.floor(outcome.at / this.slownessOptions.sampleMs) * this.slownessOptions.sampleMs,
          ),
        },
        this.slownessOptions,
      );
      entry.breaker.setDegraded(entry.slowness.degraded);
    }
  }

  breaker(deploymentId: string): CircuitBreaker {
    return this.entry(deploymentId).breaker;
  }

  window(deploymentId: string): OutcomeWindow {
    return this.entry(deploymentId).window;
  }

  firstTokenBaseline(deploymentId: string): FirstTokenBaseline | undefined {
    const entry = this.entry(deploymentId);
    // Reading five minutes of buckets per streamed request would cost more than routing it; a
    // second-old p99 is as good a limit.
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== entry.baselineSecond) {
      entry.baselineSecond = second;
      const recent = entry.window.read(this.slownessOptions.recentWindowMs);
      entry.baseline =
        recent.ttftP99 === null
          ? undefined
          : { p99Ms: recent.ttftP99, p95Ms: recent.ttftP95 ?? recent.ttftP99, samples: recent.ttftCount };
    }
    return entry.baseline;
  }

  advance(now: number, deploymentId?: string): void {
    if (deploymentId !== undefined) {
      const entry = this.entry(deploymentId);
      entry.breaker.advance(now, entry.window);
      return;
    }
    for (const entry of this.entries.values()) entry.breaker.advance(now, entry.window);
  }

  status(deploymentId: string): DeploymentStatus {
    const entry = this.entry(deploymentId);
    return entry.breaker.status(this.clock.now(), entry.window);
  }

  snapshot(): DeploymentHealth[] {
    const now = this.clock.now();
    const result: DeploymentHealth[] = [];
    for (const [id, entry] of this.entries) {
      const status = entry.breaker.status(now, entry.window);
      const health: DeploymentHealth = {
        id,
        status,
        windows: {
          tenSeconds: entry.window.read(10_000),
          oneMinute: entry.window.read(60_000),
          fiveMinutes: entry.window.read(300_000),
        },
        consecutiveFailures: entry.window.consecutiveFailures,
        ejectionCount: status.ejectionCount,
        baselineTtftMs: entry.slowness.baselineMs,
      };
      if (status.openUntil !== undefined) health.openUntil = status.openUntil;
      const nextProbeAt = this.nextProbeAt(entry.breaker, now);
      if (nextProbeAt !== undefined) health.nextProbeAt = nextProbeAt;
      result.push(health);
    }
    return result;
  }

  dueForProbe(now: number): string[] {
    const due: string[] = [];
    for (const [id, entry] of this.entries) {
      const status = entry.breaker.status(now);
      if (status.drained || status.disabled !== undefined || status.coolingUntil !== undefined) continue;
      if (status.state !== 'half_open' || (status.trialsAvailable ?? 0) === 0) continue;
      const at = this.nextProbeAt(entry.breaker, now);
      if (at !== undefined && now >= at) due.push(id);
    }
    return due;
  }

  dueForHealthCheck(now: number): string[] {
    if (this.healthCheckIntervalMs <= 0) return [];
    const due: string[] = [];
    for (const [id, entry] of this.entries) {
      const machine = entry.breaker.state(now);
      if (machine.state !== 'open' || entry.breaker.trialsElsewhere(now)) continue;
      const status = entry.breaker.status(now);
      if (status.drained || status.disabled !== undefined || status.coolingUntil !== undefined) continue;
      if (now >= (machine.checkedAt ?? machine.openedAt) + this.healthCheckIntervalMs) due.push(id);
    }
    return due;
  }

  exportState(): HealthStoreState {
    const deployments: HealthStoreState['deployments'] = {};
    for (const [id, entry] of this.entries) {
      deployments[id] = { breaker: entry.breaker.toJSON(), slowness: { ...entry.slowness } };
    }
    return { version: 1, deployments };
  }

  importState(state: HealthStoreState): void {
    for (const [id, saved] of Object.entries(state.deployments)) {
      const entry = this.entry(id);
      entry.breaker = CircuitBreaker.fromJSON(saved.breaker, this.breakerOptions);
      this.watch(id, entry.breaker);
      entry.slowness = { ...saved.slowness };
    }
  }

  onTransition(listener: (transition: BreakerTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  applyTransition(transition: BreakerTransition): void {
    this.applying = true;
    try {
      if (transition.kind === 'reset') this.reset(transition.deploymentId, this.clock.now());
      else this.entry(transition.deploymentId).breaker.adopt(transition.kind, transition.breaker);
    } finally {
      this.applying = false;
    }
  }

  onRecord(listener: (outcome: Outcome) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  mergeOutcomes(deploymentId: string, second: number, counts: Partial<Record<OutcomeResult, number>>): void {
    const entry = this.entry(deploymentId);
    entry.window.merge(second, counts);
    const failed = OUTCOME_RESULTS.some((result) => countsAsFailure(result) && (counts[result] ?? 0) > 0);
    if (failed) entry.breaker.noteFailuresElsewhere();
  }

  private watch(deploymentId: string, breaker: CircuitBreaker): void {
    breaker.observe((kind) => this.tell(deploymentId, kind, breaker));
  }

  private tell(deploymentId: string, kind: BreakerTransitionKind, breaker: CircuitBreaker): void {
    if (this.applying || this.listeners.size === 0) return;
    const transition: BreakerTransition = {
      deploymentId,
      kind,
      at: this.clock.now(),
      breaker: breaker.toJSON(),
    };
    for (const listener of this.listeners) listener(transition);
  }

  private nextProbeAt(breaker: CircuitBreaker, now: number): number | undefined {
    const machine = breaker.state(now);
    if (machine.state === 'open') return machine.openUntil + this.probeAfterMs;
    if (machine.state === 'half_open')
      return Math.max(machine.since, machine.lastTrialAt ?? 0) + this.probeAfterMs;
    return undefined;
  }

  reset(deploymentId: string, now: number): void {
    const entry = this.entry(deploymentId);
    entry.breaker.reset(now);
    entry.window = new OutcomeWindow({ clock: this.clock, buckets: this.windowBuckets });
    entry.slowness = initialSlownessState();
    entry.slownessSecond = -1;
    entry.baseline = undefined;
    entry.baselineSecond = -1;
    this.tell(deploymentId, 'reset', entry.breaker);
  }

  private entry(deploymentId: string): Entry {
    let entry = this.entries.get(deploymentId);
    if (entry === undefined) {
      entry = {
        window: new OutcomeWindow({ clock: this.clock, buckets: this.windowBuckets }),
        breaker: new CircuitBreaker(this.breakerOptions),
        slowness: initialSlownessState(),
        slownessSecond: -1,
        baseline: undefined,
        baselineSecond: -1,
      };
      this.watch(deploymentId, entry.breaker);
      this.entries.set(deploymentId, entry);
    }
    return entry;
  }
}
