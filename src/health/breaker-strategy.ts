import type { WindowStats } from './outcome-window.js';

/** What a strategy sees when it decides. */
export interface BreakerEvidence {
  /** Host failures in a row since the breaker last closed or saw a success. */
  consecutiveFailures: number;
  /** Outcomes over the strategy's window, clipped to the time since the breaker last closed. */
  stats: WindowStats;
}

/**
 * Decides *when* a closed breaker demotes or opens, apart from the state machine that decides what
 * happens then (cockatiel's split of `ConsecutiveBreaker` / `SamplingBreaker` from the policy).
 */
export interface BreakerStrategy {
  /** Window read for {@link shouldOpen}, in milliseconds. */
  readonly ejectionWindowMs: number;
  /** Window read for {@link isDemoted}, in milliseconds. */
  readonly demotionWindowMs: number;
  /** Called after each host failure while closed: whether to eject now. */
  shouldOpen(evidence: BreakerEvidence): boolean;
  /** Whether the deployment should be tried after its healthy peers. */
  isDemoted(stats: WindowStats): boolean;
}

/** Thresholds of {@link thresholdStrategy}; the shape of `health.demotion` / `health.ejection` in the config. */
export interface ThresholdStrategyOptions {
  /** Demote at this failure rate with at least `minRequests` calls over `window` ms. */
  demotion: { failureRate: number; minRequests: number; window: number };
  /** Open on `consecutiveFailures` in a row, or at this failure rate with `minRequests` calls over `window` ms. */
  ejection: { consecutiveFailures: number; failureRate: number; minRequests: number; window: number };
}

/**
 * DESIGN.md §7: open on N consecutive failures (Envoy `consecutive_5xx`) or on a failure rate at or
 * above a threshold with enough calls (Envoy `failure_percentage_*`); demote on a lower rate.
 */
export function thresholdStrategy(options: ThresholdStrategyOptions): BreakerStrategy {
  const { demotion, ejection } = options;
  return {
    ejectionWindowMs: ejection.window,
    demotionWindowMs: demotion.window,
    shouldOpen: ({ consecutiveFailures, stats }) =>
      consecutiveFailures >= ejection.consecutiveFailures ||
      (stats.total >= ejection.minRequests && stats.failureRate >= ejection.failureRate),
    isDemoted: (stats) => stats.total >= demotion.minRequests && stats.failureRate >= demotion.failureRate,
  };
}
