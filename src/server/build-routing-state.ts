import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import { type HealthKnobs, MemoryHealthStore } from '../health/index.js';
import { type RetryPolicy, RoutingState, type RoutingStateOptions } from '../routing/index.js';

/** The health store's knobs of a config (DESIGN.md §7). */
function healthKnobsOf(config: DetourConfig, random: () => number): HealthKnobs {
  const { health } = config;
  const { demotion, ejection } = health;
  return {
    breaker: {
      // Field by field, not the config objects: the breaker spreads these over its defaults, and a
      // spread would hide a knob that nothing uses (test/config-keys-read.test.ts).
      demotion: {
        failureRate: demotion.failureRate,
        minRequests: demotion.minRequests,
        window: demotion.window,
      },
      ejection: {
        consecutiveFailures: ejection.consecutiveFailures,
        failureRate: ejection.failureRate,
        minRequests: ejection.minRequests,
        window: ejection.window,
        baseTime: ejection.baseTime,
        maxTime: ejection.maxTime,
        jitter: ejection.jitter,
        decayInterval: ejection.decayInterval,
      },
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
  };
}

/** The per-model retry budget and panic throttle knobs of a config. */
function modelKnobsOf(config: DetourConfig): Pick<RoutingStateOptions, 'budget' | 'throttle'> {
  const { health, retry } = config;
  return {
    budget: { ratio: retry.budgetRatio, minConcurrent: retry.budgetMinConcurrent },
    throttle: { k: health.panic.k, windowMs: health.panic.window },
  };
}

/** The health store, retry budgets and panic throttles for a config (DESIGN.md §7 knobs). */
export function buildRoutingState(
  config: DetourConfig,
  clock: Clock,
  random: () => number = Math.random,
): RoutingState {
  const store = new MemoryHealthStore({ clock, ...healthKnobsOf(config, random) });
  return new RoutingState({ health: store, clock, random, ...modelKnobsOf(config) });
}

/**
 * Applies a reloaded config's health, retry-budget and panic knobs to a running state, keeping
 * everything it learned: breakers, windows, slowness baselines, budget counts and throttles.
 */
export function reconfigureRoutingState(state: RoutingState, config: DetourConfig): void {
  state.health.configure(healthKnobsOf(config, state.random));
  state.configure(modelKnobsOf(config));
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
