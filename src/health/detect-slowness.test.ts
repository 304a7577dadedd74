import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../core/index.js';
import {
  DEFAULT_SLOWNESS_OPTIONS,
  detectSlowness,
  initialSlownessState,
  type SlownessState,
} from './detect-slowness.js';
import { MemoryHealthStore } from './memory-health-store.js';
import { OutcomeWindow, type WindowStats } from './outcome-window.js';

const START = 1_700_000_000_000;

/** Seconds between bursts of traffic in {@link traffic}. */
const BURST_SECONDS = 5;

/**
 * Two calls a second on average to one deployment, TTFT drawn around 500 ms; returns the store and
 * a driver. The calls come in bursts of ten every five seconds: the same samples per window and per
 * baseline period as a steady two a second, but the store evaluates slowness (a read of the 5 min
 * window, at most once a second) and the test reads the status five times less often. At a steady
 * two a second these hours of simulated traffic took minutes per mutant under Stryker.
 */
function traffic(seed = 1) {
  const clock = new ManualClock(START);
  const store = new MemoryHealthStore({ clock });
  const random = seededRandom(seed);
  /** Runs `seconds` of traffic (a multiple of 5), telling `onBurst` the status and the seconds run. */
  const run = (seconds: number, scale: number, onBurst?: (degraded: boolean, seconds: number) => void) => {
    for (let second = BURST_SECONDS; second <= seconds; second += BURST_SECONDS) {
      for (let call = 0; call < 2 * BURST_SECONDS; call++) {
        // 400..600 ms, with one call in fifty a 1.5 s outlier.
        const base = random() < 0.02 ? 1500 : 400 + random() * 200;
        store.record({
          deploymentId: 'd',
          at: clock.now(),
          result: 'success',
          latencyMs: base * scale + 500,
          timeToFirstTokenMs: base * scale,
        });
        clock.advance(50);
      }
      clock.advance(BURST_SECONDS * 1000 - 2 * BURST_SECONDS * 50);
      onBurst?.(store.status('d').degraded, second);
    }
  };
  return { clock, store, run };
}

/** Window stats with only what the detector reads: the p95 time to first token and its sample count. */
function ttftStats(ttftP95: number | null, ttftCount: number): WindowStats {
  return {
    total: ttftCount,
    successes: ttftCount,
    failures: 0,
    failureRate: 0,
    byResult: { success: ttftCount },
    latencyP50: ttftP95,
    latencyP95: ttftP95,
    ttftP50: ttftP95,
    ttftP95,
    ttftP99: ttftP95,
    ttftCount,
  };
}

/** A warmed-up state with a 500 ms baseline, in the current period (so the baseline does not move). */
function warmState(now: number, degradedSince: number | null = null): SlownessState {
  return {
    baselineMs: 500,
    baselinePeriods: DEFAULT_SLOWNESS_OPTIONS.warmupPeriods,
    lastPeriod: Math.floor(now / DEFAULT_SLOWNESS_OPTIONS.sampleMs),
    degraded: degradedSince !== null,
    degradedSince,
  };
}

describe('detectSlowness', () => {
  it('never flags a steady deployment over two hours', () => {
    const { store, run } = traffic(3);
    let flips = 0;
    run(7200, 1, (degraded) => {
      if (degraded) flips += 1;
    });
    expect(flips).toBe(0);
    const baseline = store.snapshot()[0]!.baselineTtftMs!;
    expect(baseline).toBeGreaterThan(500);
    expect(baseline).toBeLessThan(800);
  });

  it('flags a ×4 shift in time to first token within a minute, without moving the baseline', () => {
    const { store, run } = traffic(5);
    run(1800, 1);
    expect(store.status('d').degraded).toBe(false);
    const baseline = store.snapshot()[0]!.baselineTtftMs;
    let secondsToFlag = -1;
    run(600, 4, (degraded, seconds) => {
      if (degraded && secondsToFlag < 0) secondsToFlag = seconds;
    });
    expect(secondsToFlag).toBeGreaterThan(0);
    expect(secondsToFlag).toBeLessThanOrEqual(60);
    expect(store.status('d')).toMatchObject({ degraded: true, state: 'closed', admission: 'yes' });
    expect(store.snapshot()[0]!.baselineTtftMs).toBe(baseline);
  });

  it('clears the flag once the latency is back to normal', () => {
    const { store, run } = traffic(9);
    run(1800, 1);
    run(300, 4);
    expect(store.status('d').degraded).toBe(true);
    run(600, 1);
    expect(store.status('d').degraded).toBe(false);
  });

  it('takes a shift that lasts an hour as the new normal', () => {
    const { store, run } = traffic(13);
    run(1800, 1);
    run(3700, 4);
    expect(store.status('d').degraded).toBe(false);
    expect(store.snapshot()[0]!.baselineTtftMs!).toBeGreaterThan(1600);
  });

  it('starts with no baseline and not degraded', () => {
    expect(initialSlownessState()).toEqual({
      baselineMs: null,
      baselinePeriods: 0,
      lastPeriod: null,
      degraded: false,
      degradedSince: null,
    });
  });

  it('flags only once the baseline has warmupPeriods periods behind it', () => {
    const clock = new ManualClock(START);
    const slow = new OutcomeWindow({ clock });
    for (let index = 0; index < 60; index++)
      slow.record({
        deploymentId: 'd',
        at: clock.now(),
        result: 'success',
        latencyMs: 1,
        timeToFirstTokenMs: 5000,
      });
    const input = { now: clock.now(), recent: slow.read(300_000), lastPeriod: slow.read(60_000) };
    const withPeriods = (baselinePeriods: number): SlownessState => ({
      ...initialSlownessState(),
      baselineMs: 500,
      baselinePeriods,
      lastPeriod: Math.floor(clock.now() / 60_000),
    });
    const warmup = DEFAULT_SLOWNESS_OPTIONS.warmupPeriods;
    expect(detectSlowness(withPeriods(warmup - 1), input).degraded).toBe(false);
    expect(detectSlowness(withPeriods(warmup), input)).toMatchObject({
      degraded: true,
      degradedSince: START,
    });
  });

  it('flags nothing before the baseline has warmed up or with fewer than 50 samples', () => {
    const clock = new ManualClock(START);
    const window = new OutcomeWindow({ clock });
    let state: SlownessState = initialSlownessState();
    const step = (ttft: number, calls: number) => {
      for (let index = 0; index < calls; index++) {
        window.record({
          deploymentId: 'd',
          at: clock.now(),
          result: 'success',
          latencyMs: ttft,
          timeToFirstTokenMs: ttft,
        });
      }
      state = detectSlowness(state, {
        now: clock.now(),
        recent: window.read(300_000),
        lastPeriod: window.read(60_000),
      });
      clock.advance(60_000);
    };
    step(500, 10);
    step(5000, 100); // 10× slower, but the baseline has one period only
    expect(state.degraded).toBe(false);
    const warm = initialSlownessState();
    const ready: SlownessState = {
      ...warm,
      baselineMs: 500,
      baselinePeriods: DEFAULT_SLOWNESS_OPTIONS.warmupPeriods,
    };
    const fewCalls = new OutcomeWindow({ clock });
    for (let index = 0; index < 49; index++) {
      fewCalls.record({
        deploymentId: 'd',
        at: clock.now(),
        result: 'success',
        latencyMs: 1,
        timeToFirstTokenMs: 5000,
      });
    }
    const input = { now: clock.now(), recent: fewCalls.read(300_000), lastPeriod: fewCalls.read(60_000) };
    expect(detectSlowness(ready, input).degraded).toBe(false);
    fewCalls.record({
      deploymentId: 'd',
      at: clock.now(),
      result: 'success',
      latencyMs: 1,
      timeToFirstTokenMs: 5000,
    });
    const enough = { now: clock.now(), recent: fewCalls.read(300_000), lastPeriod: fewCalls.read(60_000) };
    expect(detectSlowness(ready, enough).degraded).toBe(true);
  });

  it('flags at exactly ratio × baseline, and leaves only below exitRatio × baseline', () => {
    const now = START;
    const at = (p95: number, state: SlownessState) =>
      detectSlowness(state, { now, recent: ttftStats(p95, 60), lastPeriod: ttftStats(p95, 60) });
    expect(at(999, warmState(now)).degraded).toBe(false);
    expect(at(1000, warmState(now))).toMatchObject({ degraded: true, degradedSince: now });
    const degraded = warmState(now, now - 1000);
    expect(at(750, degraded)).toMatchObject({ degraded: true, degradedSince: now - 1000 });
    expect(at(749, degraded)).toMatchObject({ degraded: false, degradedSince: null });
  });

  it('clears the flag when the window falls below the sample minimum, however slow it is', () => {
    const now = START;
    const degraded = warmState(now, now - 1000);
    const input = { now, recent: ttftStats(5000, 49), lastPeriod: ttftStats(5000, 49) };
    expect(detectSlowness(degraded, input)).toMatchObject({ degraded: false, degradedSince: null });
  });

  it('takes the slow p95 as the baseline at exactly rebaselineAfterMs, and is no longer degraded', () => {
    const now = START;
    const hour = DEFAULT_SLOWNESS_OPTIONS.rebaselineAfterMs;
    const input = { now, recent: ttftStats(2000, 60), lastPeriod: ttftStats(2000, 60) };
    expect(detectSlowness(warmState(now, now - hour + 1), input)).toMatchObject({
      baselineMs: 500,
      degraded: true,
    });
    expect(detectSlowness(warmState(now, now - hour), input)).toEqual({
      baselineMs: 2000,
      baselinePeriods: DEFAULT_SLOWNESS_OPTIONS.warmupPeriods,
      lastPeriod: Math.floor(now / DEFAULT_SLOWNESS_OPTIONS.sampleMs),
      degraded: false,
      degradedSince: null,
    });
  });

  it('folds a period into the baseline only when it had minSamplesPerPeriod samples', () => {
    const sampleMs = DEFAULT_SLOWNESS_OPTIONS.sampleMs;
    const now = START + sampleMs; // the first instant of the period after warmState's
    const fold = (samples: number) =>
      detectSlowness(warmState(START), {
        now,
        recent: ttftStats(600, 60),
        lastPeriod: ttftStats(600, samples),
      });
    const minimum = DEFAULT_SLOWNESS_OPTIONS.minSamplesPerPeriod;
    expect(fold(minimum - 1)).toMatchObject({ baselineMs: 500, baselinePeriods: minimum });
    expect(fold(minimum)).toMatchObject({ baselineMs: 505, baselinePeriods: minimum + 1 });
  });
});
