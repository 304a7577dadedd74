import type { WindowStats } from './outcome-window.js';

/** Knobs of {@link detectSlowness}. */
export interface SlownessOptions {
  /** Degraded when the 5 min p95 time to first token is at least this multiple of the baseline; default 2. */
  ratio: number;
  /** Leaves degraded once the p95 drops below this multiple (hysteresis); default 1.5. */
  exitRatio: number;
  /** Time-to-first-token samples needed in the recent window; default 50. */
  minCalls: number;
  /** Length of the recent window the caller reads, in ms; default 5 min. */
  recentWindowMs: number;
  /** Length of one baseline sample period, in ms; default 1 min. */
  sampleMs: number;
  /** Samples a period needs before its p95 feeds the baseline; default 5. */
  minSamplesPerPeriod: number;
  /** EWMA weight of each new per-period p95; default 0.05 (half-life ≈ 14 periods). */
  alpha: number;
  /** Periods folded into the baseline before it may flag anything; default 5. */
  warmupPeriods: number;
  /** After this long degraded without recovering, the new latency becomes the baseline; default 1 h. */
  rebaselineAfterMs: number;
}

/** Default knobs (DESIGN.md §7 "Slow, not broken"). */
export const DEFAULT_SLOWNESS_OPTIONS: SlownessOptions = {
  ratio: 2,
  exitRatio: 1.5,
  minCalls: 50,
  recentWindowMs: 300_000,
  sampleMs: 60_000,
  minSamplesPerPeriod: 5,
  alpha: 0.05,
  warmupPeriods: 5,
  rebaselineAfterMs: 3_600_000,
};

/** A deployment's slowness state: plain JSON, kept by the health store. */
export interface SlownessState {
  /** EWMA of per-period p95 time to first token, in ms; `null` before the first sample. */
  baselineMs: number | null;
  /** Periods folded into the baseline so far. */
  baselinePeriods: number;
  /** Index of the last period seen (epoch ms / sampleMs); `null` before the first update. */
  lastPeriod: number | null;
  /** Slow, not broken. */
  degraded: boolean;
  /** When it became degraded. */
  degradedSince: number | null;
}

/** What {@link detectSlowness} reads at one instant. */
export interface SlownessInput {
  now: number;
  /** Window stats over `recentWindowMs` (5 min). */
  recent: WindowStats;
  /** Window stats over the last `sampleMs` (1 min): the period that just ended when a new one begins. */
  lastPeriod: WindowStats;
}

/** A fresh state with no baseline. */
export function initialSlownessState(): SlownessState {
  return { baselineMs: null, baselinePeriods: 0, lastPeriod: null, degraded: false, degradedSince: null };
}

/**
 * Slow, not broken: degraded when the 5 min p95 time to first token is ≥ 2× the deployment's own
 * baseline with ≥ 50 samples. The baseline is an EWMA of per-minute p95s, updated once per minute
 * and only while not degraded. Why an EWMA: two numbers of state (cheap to keep per deployment and
 * to share through Redis), no hour of history to store, and with α = 0.05 one odd minute moves it
 * by 5 % only. Freezing it while degraded keeps a slowdown from becoming its own baseline; a shift
 * that lasts `rebaselineAfterMs` (1 h) is taken as the new normal, so a host that is permanently
 * slower stops being flagged rather than staying degraded forever. Returns the next state.
 */
export function detectSlowness(
  state: SlownessState,
  input: SlownessInput,
  options: SlownessOptions = DEFAULT_SLOWNESS_OPTIONS,
): SlownessState {
  const next: SlownessState = { ...state };
  const { now, recent, lastPeriod } = input;
  const ready = next.baselineMs !== null && next.baselinePeriods >= options.warmupPeriods;
  const enough = recent.ttftCount >= options.minCalls && recent.ttftP95 !== null;

  if (!ready || !enough || next.baselineMs === null || recent.ttftP95 === null) {
    next.degraded = false;
    next.degradedSince = null;
  } else if (!next.degraded && recent.ttftP95 >= options.ratio * next.baselineMs) {
    next.degraded = true;
    next.degradedSince = now;
  } else if (next.degraded && recent.ttftP95 < options.exitRatio * next.baselineMs) {
    next.degraded = false;
    next.degradedSince = null;
  }

  if (next.degraded && next.degradedSince !== null && now - next.degradedSince >= options.rebaselineAfterMs) {
    next.baselineMs = recent.ttftP95;
    next.degraded = false;
    next.degradedSince = null;
  }

  const period = Math.floor(now / options.sampleMs);
  if (next.lastPeriod === null) {
    // The first period is seen part-way through: it is not a full sample.
    next.lastPeriod = period;
  } else if (period > next.lastPeriod) {
    next.lastPeriod = period;
    const p95 = lastPeriod.ttftP95;
    if (!next.degraded && p95 !== null && lastPeriod.ttftCount >= options.minSamplesPerPeriod) {
      next.baselineMs =
        next.baselineMs === null ? p95 : next.baselineMs + options.alpha * (p95 - next.baselineMs);
      next.baselinePeriods += 1;
    }
  }
  return next;
}
