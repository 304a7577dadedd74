import type { BreakerOptionsInput } from './breaker-options.js';
import type { BreakerTransition } from './breaker-transition.js';
import type { BreakerJSON, CircuitBreaker } from './circuit-breaker.js';
import type { DeploymentStatus } from './deployment-status.js';
import type { SlownessOptions, SlownessState } from './detect-slowness.js';
import type { Outcome, OutcomeResult } from './outcome.js';
import type { WindowReader, WindowStats } from './outcome-window.js';
import type { TrialLease } from './trial-lease.js';

/** A deployment's outcome window as the store exposes it. */
export interface HealthWindow extends WindowReader {
  /** Host failures in a row. */
  readonly consecutiveFailures: number;
}

/** One deployment's health for the status page, admin API and metrics. */
export interface DeploymentHealth {
  /** Deployment id. */
  id: string;
  /** Breaker and admission status now. */
  status: DeploymentStatus;
  /** Outcome stats over the last 10 s, 60 s and 5 min. */
  windows: { tenSeconds: WindowStats; oneMinute: WindowStats; fiveMinutes: WindowStats };
  /** Host failures in a row. */
  consecutiveFailures: number;
  /** Ejection multiplier now. */
  ejectionCount: number;
  /** When the current ejection ends (open only). */
  openUntil?: number;
  /** When the prober should next send a trial if no real traffic does (open and half-open only). */
  nextProbeAt?: number;
  /** Baseline p95 time to first token in ms (`null` while still learning). */
  baselineTtftMs: number | null;
}

/** A deployment's own time to first token over its recent window (the slowness window, 5 min). */
export interface FirstTokenBaseline {
  /** 99th percentile time to first token, in ms. */
  p99Ms: number;
  /** 95th percentile time to first token, in ms (when a hedge is sent). */
  p95Ms: number;
  /** Samples it rests on. */
  samples: number;
}

/** The knobs of a health store (config `health:`); a config reload replaces them with {@link HealthStore.configure}. */
export interface HealthKnobs {
  /** Breaker knobs, shared by every deployment. */
  breaker?: BreakerOptionsInput;
  /** Slowness knobs. */
  slowness?: Partial<SlownessOptions>;
  /** Half-open with no trial traffic for this long → due for an active probe; default 5 s. */
  probeAfterMs?: number;
  /** An ejected deployment gets a health check this often (0 = never); default 10 s. */
  healthCheckIntervalMs?: number;
}

/** Everything a store holds that must survive or be shared, as plain JSON (windows excluded). */
export interface HealthStoreState {
  version: 1;
  deployments: Record<string, { breaker: BreakerJSON; slowness: SlownessState }>;
}

/**
 * Where deployment health lives. The memory implementation serves one process; a Redis one will
 * keep the same synchronous local view (DESIGN.md §8: a replica keeps serving on it when Redis is
 * unreachable) and sync it through {@link exportState} / {@link importState} style JSON.
 */
export interface HealthStore {
  /**
   * Records one attempt's outcome: window, breaker, slowness. An attempt sent as a half-open trial
   * passes its `lease`: the outcome settles it, so the outcome and the trial's verdict are counted
   * once, together (a lease already settled or stale is ignored; the outcome still counts).
   */
  record(outcome: Outcome, lease?: TrialLease): void;
  /** The deployment's breaker (created on first use), for trials and admin switches. */
  breaker(deploymentId: string): CircuitBreaker;
  /** The deployment's outcome window (created on first use). */
  window(deploymentId: string): HealthWindow;
  /**
   * The deployment's p99 time to first token over the slowness window (`health.slowness.window`),
   * or `undefined` with no samples; read afresh at most once a second per deployment, as the request
   * path asks for it. The adaptive first-token limit is built on it.
   */
  firstTokenBaseline(deploymentId: string): FirstTokenBaseline | undefined;
  /**
   * Forgets everything about a deployment: a closed breaker with no switches, an empty window and
   * fresh slowness learning (admin "reset").
   */
  reset(deploymentId: string, now: number): void;
  /**
   * The explicit step of time, for one deployment or every known one: writes what time did by
   * `now` (an ended ejection becomes half-open, a lost trial lease opens the breaker again) and
   * re-derives demotion. The request path takes it for the deployments it ranks, the prober for all.
   */
  advance(now: number, deploymentId?: string): void;
  /**
   * The deployment's status now, with demotion derived from its window. A pure read: it computes
   * where time has taken the breaker without writing it (an unknown deployment is registered with a
   * fresh state, the only write, which changes no health).
   */
  status(deploymentId: string): DeploymentStatus;
  /** Every known deployment's health now. A pure read, like {@link status}. */
  snapshot(): DeploymentHealth[];
  /**
   * Deployments that are half-open with a free trial slot, not drained, disabled or cooling, and
   * have had no trial traffic for `probeAfterMs`: the prober should send each a real tiny request and record its outcome.
   */
  dueForProbe(now: number): string[];
  /**
   * Open (ejected) deployments, not drained, disabled or cooling, whose last health check (or
   * ejection start) is at least the check interval ago: the prober sends each a real tiny request,
   * and a pass ends the ejection early. Empty when checks are off.
   */
  dueForHealthCheck(now: number): string[];
  /**
   * Replaces the knobs (a config reload). Every deployment keeps its breaker state, window and
   * slowness learning; the new knobs apply from the next outcome or read.
   */
  configure(knobs: HealthKnobs): void;
  /** Drops everything about a deployment that is no longer configured; if it comes back, it starts fresh. */
  forget(deploymentId: string): void;
  /** The shareable state as JSON. */
  exportState(): HealthStoreState;
  /** Replaces breakers and slowness state from JSON (windows are left as they are). */
  importState(state: HealthStoreState): void;
  /**
   * Tells `listener`, synchronously, of every breaker transition made here: an ejection, a restore,
   * a drain / force-enable / disable switch, an admin reset (not those applied by
   * {@link applyTransition}). Returns the function that stops telling it.
   */
  onTransition(listener: (transition: BreakerTransition) => void): () => void;
  /**
   * Applies another replica's transition to the local breaker (a reset also empties the local
   * window), without telling {@link onTransition} listeners, so nothing is sent back.
   */
  applyTransition(transition: BreakerTransition): void;
  /** Tells `listener` of every outcome recorded here (not merged ones). Returns the function that stops it. */
  onRecord(listener: (outcome: Outcome) => void): () => void;
  /**
   * Adds another replica's outcome counts of epoch second `second` to the deployment's window, so
   * its rates (demotion, the failure-rate ejection test) reflect every replica's traffic.
   */
  mergeOutcomes(deploymentId: string, second: number, counts: Partial<Record<OutcomeResult, number>>): void;
}
