import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIAL_TIMEOUT_MS, resolveBreakerOptions } from './breaker-options.js';
import type { WindowStats } from './outcome-window.js';

/** Window stats with `total` calls of which `failures` failed. */
function stats(total: number, failures: number): WindowStats {
  return {
    total,
    successes: total - failures,
    failures,
    failureRate: total === 0 ? 0 : failures / total,
    byResult: {},
    latencyP50: null,
    latencyP95: null,
    ttftP50: null,
    ttftP95: null,
    ttftP99: null,
    ttftCount: 0,
  };
}

describe('resolveBreakerOptions', () => {
  it('fills the defaults the README lists under health:', () => {
    const options = resolveBreakerOptions();
    expect(options).toMatchObject({
      demotion: { failureRate: 0.2, minRequests: 20, window: 60_000 },
      ejection: {
        consecutiveFailures: 5,
        failureRate: 0.5,
        minRequests: 20,
        window: 60_000,
        baseTime: 30_000,
        maxTime: 300_000,
        jitter: 0.1,
        decayInterval: 10_000,
      },
      halfOpen: { trials: 3, trialTimeout: 120_000 },
      ramp: [
        { fromMs: 0, weight: 0.1 },
        { fromMs: 20_000, weight: 0.5 },
        { fromMs: 60_000, weight: 1 },
      ],
      coolDown: { maxMs: 60_000, defaultMs: 1000 },
      disableOnConfigFault: true,
    });
    expect(DEFAULT_TRIAL_TIMEOUT_MS).toBe(120_000);
    expect(options.random).toBe(Math.random);
  });

  it('keeps the defaults a partial input leaves out, and sorts the ramp', () => {
    const random = () => 0.5;
    const options = resolveBreakerOptions({
      demotion: { failureRate: 0.3 },
      ejection: { baseTime: 1_000 },
      halfOpen: { trials: 1 },
      ramp: [
        { fromMs: 5_000, weight: 0.5 },
        { fromMs: 0, weight: 0.2 },
      ],
      coolDown: { maxMs: 5_000 },
      disableOnConfigFault: false,
      random,
    });
    expect(options.demotion).toEqual({ failureRate: 0.3, minRequests: 20, window: 60_000 });
    expect(options.ejection).toMatchObject({ baseTime: 1_000, maxTime: 300_000, consecutiveFailures: 5 });
    expect(options.halfOpen).toEqual({ trials: 1, trialTimeout: 120_000 });
    expect(options.ramp).toEqual([
      { fromMs: 0, weight: 0.2 },
      { fromMs: 5_000, weight: 0.5 },
    ]);
    expect(options.coolDown).toEqual({ maxMs: 5_000, defaultMs: 1000 });
    expect(options.disableOnConfigFault).toBe(false);
    expect(options.random).toBe(random);
  });

  it('decides with the thresholds it was given: rates at the threshold count, below do not', () => {
    const { strategy } = resolveBreakerOptions({
      demotion: { failureRate: 0.25, minRequests: 8, window: 30_000 },
      ejection: { consecutiveFailures: 3, failureRate: 0.5, minRequests: 10, window: 45_000 },
    });
    expect([strategy.demotionWindowMs, strategy.ejectionWindowMs]).toEqual([30_000, 45_000]);
    expect(strategy.isDemoted(stats(8, 2))).toBe(true);
    expect(strategy.isDemoted(stats(8, 1))).toBe(false);
    expect(strategy.isDemoted(stats(7, 7))).toBe(false);
    expect(strategy.shouldOpen({ consecutiveFailures: 3, stats: stats(0, 0) })).toBe(true);
    expect(strategy.shouldOpen({ consecutiveFailures: 2, stats: stats(10, 5) })).toBe(true);
    expect(strategy.shouldOpen({ consecutiveFailures: 2, stats: stats(10, 4) })).toBe(false);
    expect(strategy.shouldOpen({ consecutiveFailures: 2, stats: stats(9, 9) })).toBe(false);
  });

  it('uses a strategy it is given instead of the thresholds', () => {
    const strategy = {
      ejectionWindowMs: 1,
      demotionWindowMs: 2,
      shouldOpen: () => false,
      isDemoted: () => true,
    };
    expect(resolveBreakerOptions({ strategy }).strategy).toBe(strategy);
  });
});
