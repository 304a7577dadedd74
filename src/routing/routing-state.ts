import type { Clock } from '../core/index.js';
import {
  AdaptiveThrottle,
  type AdaptiveThrottleOptions,
  type HealthStore,
  type OutcomeResult,
  OutcomeWindow,
  RetryBudget,
  type RetryBudgetOptions,
} from '../health/index.js';
import { HedgeShare } from './hedge-share.js';
import type { ModelTable } from './model-table.js';
import { SmoothWeightedRotation } from './smooth-weighted-rotation.js';

/** Deployments that came into or left the config at a reload. */
export interface TableChange {
  /** New deployment ids: they start with fresh health. */
  deploymentsAdded: string[];
  /** Deployment ids no longer configured: their health is forgotten. */
  deploymentsRemoved: string[];
}

function deploymentIdsOf(table: ModelTable): Set<string> {
  return new Set(
    table.list().flatMap((route) => route.deployments.map((deployment) => deployment.deploymentId)),
  );
}

function notIn<Item>(items: ReadonlySet<Item>, others: ReadonlySet<Item>): Item[] {
  return [...items].filter((item) => !others.has(item));
}

/** Options of a {@link RoutingState}. */
export interface RoutingStateOptions {
  /** Where deployment health lives. */
  health: HealthStore;
  /** Time source of the per-model request windows. */
  clock: Clock;
  /** Per-model retry budget knobs. */
  budget?: RetryBudgetOptions;
  /** Per-model panic throttle knobs. */
  throttle?: AdaptiveThrottleOptions;
  /** Uniform random in [0, 1) for ramps, jitter and throttling; default `Math.random`. */
  random?: () => number;
}

/**
 * What routing learns across requests: deployment health, and per model a retry budget, the
 * panic-mode throttle and the weighted strategy's rotation. It outlives config reloads, so a
 * reload never forgets that a host is down.
 */
export class RoutingState {
  readonly health: HealthStore;
  readonly random: () => number;
  /**
   * Deployments whose quality canaries alarmed on a model with `quality.onAlarm: demote`: ordered
   * with the demoted ones (tried after every healthy peer), set by the canary monitor.
   */
  readonly qualityDemoted = new Set<string>();
  private budgetOptions: RetryBudgetOptions;
  private throttleOptions: AdaptiveThrottleOptions;
  private readonly budgets = new Map<string, RetryBudget>();
  private readonly hedgeShares = new Map<string, HedgeShare>();
  private readonly throttles = new Map<string, AdaptiveThrottle>();
  private readonly requestWindows = new Map<string, OutcomeWindow>();
  private readonly rotations = new Map<string, SmoothWeightedRotation>();
  private readonly clock: Clock;

  constructor(options: RoutingStateOptions) {
    this.health = options.health;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.budgetOptions = options.budget ?? {};
    this.throttleOptions = options.throttle ?? {};
  }

  /**
   * Replaces the retry-budget and throttle knobs (a config reload). Existing budgets and throttles
   * are updated in place: requests in flight hold their slots in them, and the counts they keep
   * are what the new limits apply to.
   */
  configure(options: Pick<RoutingStateOptions, 'budget' | 'throttle'>): void {
    this.budgetOptions = options.budget ?? {};
    this.throttleOptions = options.throttle ?? {};
    for (const budget of this.budgets.values()) budget.configure(this.budgetOptions);
    for (const throttle of this.throttles.values()) throttle.configure(this.throttleOptions);
  }

  /**
   * Keeps what was learned consistent with a reloaded model table: a deployment or model still
   * configured keeps everything (an ejected host stays ejected); one that left is forgotten; one
   * that came (back) starts from nothing. Requests still in flight on the old table may record
   * into a forgotten entry again; the next reload clears that.
   */
  adoptTable(before: ModelTable, after: ModelTable): TableChange {
    const previous = deploymentIdsOf(before);
    const next = deploymentIdsOf(after);
    const change = { deploymentsAdded: notIn(next, previous), deploymentsRemoved: notIn(previous, next) };
    for (const id of [...change.deploymentsAdded, ...change.deploymentsRemoved]) this.health.forget(id);
    const previousModels = new Set(before.list().map((route) => route.name));
    const nextModels = new Set(after.list().map((route) => route.name));
    for (const model of [...notIn(nextModels, previousModels), ...notIn(previousModels, nextModels)]) {
      this.requestWindows.delete(model);
      this.budgets.delete(model);
      this.hedgeShares.delete(model);
      this.throttles.delete(model);
      this.rotations.delete(model);
    }
    return change;
  }

  /** The model's retry budget (created on first use). */
  budget(model: string): RetryBudget {
    let budget = this.budgets.get(model);
    if (budget === undefined) {
      budget = new RetryBudget(this.budgetOptions);
      this.budgets.set(model, budget);
    }
    return budget;
  }

  /** The model's hedge share (created on first use). */
  hedgeShare(model: string): HedgeShare {
    let share = this.hedgeShares.get(model);
    if (share === undefined) {
      share = new HedgeShare();
      this.hedgeShares.set(model, share);
    }
    return share;
  }

  /** The model's panic throttle (created on first use). */
  throttle(model: string): AdaptiveThrottle {
    let throttle = this.throttles.get(model);
    if (throttle === undefined) {
      throttle = new AdaptiveThrottle(this.throttleOptions);
      this.throttles.set(model, throttle);
    }
    return throttle;
  }

  /** The model's smooth weighted round-robin scores, for the `weighted` strategy (created on first use). */
  rotation(model: string): SmoothWeightedRotation {
    let rotation = this.rotations.get(model);
    if (rotation === undefined) {
      rotation = new SmoothWeightedRotation();
      this.rotations.set(model, rotation);
    }
    return rotation;
  }

  /**
   * Records what a client finally got for one request to `model`: `success`, or the class of the
   * error it saw. This is the model's health *after* failover — what the status page shows for the
   * model, while deployments show raw host health.
   */
  recordRequest(model: string, result: OutcomeResult, latencyMs: number): void {
    let window = this.requestWindows.get(model);
    if (window === undefined) {
      window = new OutcomeWindow({ clock: this.clock });
      this.requestWindows.set(model, window);
    }
    window.record({ deploymentId: model, at: this.clock.now(), result, latencyMs });
  }

  /** The client-visible outcome window of a model, if it served any request. */
  requestWindow(model: string): OutcomeWindow | undefined {
    return this.requestWindows.get(model);
  }

  /** Forgets what every model's clients got, its budgets, throttles and rotations (a clean slate for tests). */
  resetModels(): void {
    this.requestWindows.clear();
    this.rotations.clear();
    this.budgets.clear();
    this.throttles.clear();
  }

  /** Every model's retry budget, for metrics. */
  budgetsByModel(): ReadonlyMap<string, RetryBudget> {
    return this.budgets;
  }
}
