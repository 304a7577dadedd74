import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { type RetryPolicy, RoutingState } from '../routing/index.js';

/** The health store, retry budgets and panic throttles for a config (DESIGN.md §7 knobs). */
export function buildRoutingState(
  config: DetourConfig,
  clock: Clock,
  random: () => number = Math.random,
): RoutingState {
  const { health, retry } = config;
  const store = new MemoryHealthStore({
    clock,
    breaker: {
      demotion: health.demotion,
      ejection: health.ejection,
      halfOpen: { trials: health.halfOpen.trials, trialTimeout: health.halfOpen.trialTimeout },
      ramp: health.ramp.map((step) => ({ fromMs: step.after, weight: step.weight })),
      coolDown: { maxMs: health.coolDown.max, defaultMs: health.coolDown.default },
      random,
    },
    probeAfterMs: health.halfOpen.probeAfter,
    healthCheckIntervalMs: health.probes.healthCheck,
    slowness: {
      ratio: health.slowness.ratio,
      exitRatio: health.slowness.exitRatio,
      minCalls: health.slowness.minCalls,
      recentWindowMs: health.slowness.window,
      sampleMs: health.slowness.period,
      minSamplesPerPeriod: health.slowness.minSamplesPerPeriod,
      warmupPeriods: health.slowness.warmupPeriods,
    },
  });
  return new RoutingState({
    health: store,
    clock,
    budget: { ratio: retry.budgetRatio, minConcurrent: retry.budgetMinConcurrent },
    throttle: { k: health.panic.k, windowMs: health.panic.window },
    random,
  });
}

/** The attempt limits of a config. */
export function retryPolicyOf(config: DetourConfig): RetryPolicy {
  return {
    maxAttempts: config.retry.maxAttempts,
    backoffBaseMs: config.retry.backoffBase,
    backoffMaxMs: config.retry.backoffMax,
    maxRetryAfterMs: config.retry.maxRetryAfter,
  };
}
