import { type BreakerStrategy, thresholdStrategy } from './breaker-strategy.js';

/** Demotion thresholds (config `health.demotion`). */
export interface DemotionOptions {
  /** Failure rate, 0..1, at or above which the deployment is demoted; default 0.2. */
  failureRate: number;
  /** Calls in the window before the rate counts; default 20. */
  minRequests: number;
  /** Window, in ms; default 60 s. */
  window: number;
}

/** Ejection thresholds and times (config `health.ejection`, plus jitter and decay). */
export interface EjectionOptions {
  /** Host failures in a row that eject at once; default 5. */
  consecutiveFailures: number;
  /** Failure rate, 0..1, at or above which it is ejected; default 0.5. */
  failureRate: number;
  /** Calls in the window before the rate counts; default 20. */
  minRequests: number;
  /** Window, in ms; default 60 s. */
  window: number;
  /** Ejection time per consecutive ejection, in ms; default 30 s. */
  baseTime: number;
  /** Longest ejection before jitter, in ms; default 300 s. */
  maxTime: number;
  /** Up to this share is added to each ejection time at random; default 0.1. */
  jitter: number;
  /** The ejection multiplier drops by one per this much healthy closed time, in ms; default 10 s. */
  decayInterval: number;
}

/** Half-open trials (config `health.halfOpen`). */
export interface HalfOpenOptions {
  /** Trial requests allowed at once; all must succeed to close; default 3. */
  trials: number;
  /**
   * A trial lease still unsettled this long after it was taken is lost: the half-open period fails
   * and the breaker opens again, for the next (longer) ejection time, so no lost lease can hold a
   * deployment half-open for ever. In ms; default 120 s (see {@link DEFAULT_TRIAL_TIMEOUT_MS}).
   */
  trialTimeout: number;
}

/**
 * Twice the longest silence DESIGN.md §6 lets a healthy attempt keep (60 s to the first token of a
 * reasoning model) and four idle limits: a trial that starts slowly or streams a long answer settles
 * well before it, probes (8 tokens) settle in seconds, and a lease lost to a bug costs at most two
 * minutes instead of an admin reset. Were a healthy trial ever taken for lost, the cost is small:
 * the next health check (every 10 s) ends the new ejection early and the trials start again.
 */
export const DEFAULT_TRIAL_TIMEOUT_MS = 120_000;

/** From `fromMs` after a restore, the deployment is admitted with `weight` (0..1). */
export interface RampStep {
  /** Milliseconds since the breaker closed. */
  fromMs: number;
  /** Share of its normal traffic. */
  weight: number;
}

/** Every knob of a {@link CircuitBreaker}, resolved. */
export interface BreakerOptions {
  /** When a deployment is tried after its healthy peers. */
  demotion: DemotionOptions;
  /** When the breaker opens and for how long. */
  ejection: EjectionOptions;
  /**
   * Half-open: `trials` requests allowed at once, all of which must succeed to close (default 3);
   * a trial lease unsettled for `trialTimeout` ms is taken as lost and the breaker opens again.
   */
  halfOpen: HalfOpenOptions;
  /** Traffic ramp after a restore, sorted by `fromMs`; weight 1 after the last step. */
  ramp: readonly RampStep[];
  /** Rate-limit cool-downs: `maxMs` caps an advertised wait (60 s); `defaultMs` is used without one (1 s). */
  coolDown: { maxMs: number; defaultMs: number };
  /** Disable the deployment on `auth`, `quota` and `not_found` outcomes; default true (DESIGN.md §6). */
  disableOnConfigFault: boolean;
  /** Uniform random in [0, 1), for jitter; default `Math.random`. */
  random: () => number;
  /** When to demote and open; default {@link thresholdStrategy} over `demotion` and `ejection`. */
  strategy: BreakerStrategy;
}

/** Options as given: every field optional, nested ones too. */
export interface BreakerOptionsInput {
  /** Partial demotion thresholds. */
  demotion?: Partial<DemotionOptions>;
  /** Partial ejection thresholds and times. */
  ejection?: Partial<EjectionOptions>;
  /** Half-open trials. */
  halfOpen?: Partial<BreakerOptions['halfOpen']>;
  /** Ramp steps (replace the default ramp as a whole). */
  ramp?: readonly RampStep[];
  /** Cool-down cap and default. */
  coolDown?: Partial<BreakerOptions['coolDown']>;
  /** See {@link BreakerOptions.disableOnConfigFault}. */
  disableOnConfigFault?: boolean;
  /** Uniform random in [0, 1), for jitter. */
  random?: () => number;
  /** Replaces the threshold strategy. */
  strategy?: BreakerStrategy;
}

/**
 * The ramp after a restore (DESIGN.md §7 "10 % → 50 % → 100 % over 60 s"): 10 % during the first
 * 20 s, 50 % from 20 s until 60 s, full traffic from 60 s on.
 */
export const DEFAULT_RAMP: readonly RampStep[] = [
  { fromMs: 0, weight: 0.1 },
  { fromMs: 20_000, weight: 0.5 },
  { fromMs: 60_000, weight: 1 },
];

/** Resolves options, filling DESIGN.md §7 defaults (Envoy outlier detection, Hystrix, SRE book). */
export function resolveBreakerOptions(input: BreakerOptionsInput = {}): BreakerOptions {
  const demotion: DemotionOptions = { failureRate: 0.2, minRequests: 20, window: 60_000, ...input.demotion };
  const ejection: EjectionOptions = {
    consecutiveFailures: 5,
    failureRate: 0.5,
    minRequests: 20,
    window: 60_000,
    baseTime: 30_000,
    maxTime: 300_000,
    jitter: 0.1,
    decayInterval: 10_000,
    ...input.ejection,
  };
  return {
    demotion,
    ejection,
    halfOpen: { trials: 3, trialTimeout: DEFAULT_TRIAL_TIMEOUT_MS, ...input.halfOpen },
    ramp: [...(input.ramp ?? DEFAULT_RAMP)].sort((a, b) => a.fromMs - b.fromMs),
    coolDown: { maxMs: 60_000, defaultMs: 1000, ...input.coolDown },
    disableOnConfigFault: input.disableOnConfigFault ?? true,
    random: input.random ?? Math.random,
    strategy: input.strategy ?? thresholdStrategy({ demotion, ejection }),
  };
}
