/**
 * Wald's sequential probability ratio test for a Bernoulli pass rate, in its restarting (CUSUM-like)
 * form so one test watches a deployment indefinitely: H0 "the pass rate is the baseline p0" against
 * H1 "it is p1 = p0 − drop". Each graded canary adds ln(p1/p0) when it passes and
 * ln((1−p1)/(1−p0)) when it fails; reaching the upper bound A = ln((1−β)/α) raises an alarm,
 * reaching the lower bound B = ln(β/(1−α)) accepts the baseline; either way the sum restarts at 0.
 */
export interface SprtSettings {
  /** Baseline pass rate (H0). */
  p0: number;
  /** Pass rate the test must detect (H1), below p0. */
  p1: number;
  /** Probability of alarming on one cycle when the rate is p0 (DESIGN.md §7: 0.01). */
  alpha: number;
  /** Probability of accepting the baseline on one cycle when the rate is p1 (DESIGN.md §7: 0.05). */
  beta: number;
}

/** What one observation decided. */
export type SprtDecision = 'continue' | 'accept' | 'alarm';

/** Wald's bounds on the log-likelihood ratio. */
export interface SprtBounds {
  /** ln((1−β)/α): at or above it, alarm. */
  upper: number;
  /** ln(β/(1−α)): at or below it, accept the baseline. */
  lower: number;
}

export function sprtBounds(alpha: number, beta: number): SprtBounds {
  if (!(alpha > 0 && alpha < 1 && beta > 0 && beta < 1 && alpha + beta < 1)) {
    throw new RangeError(`SPRT needs 0 < α, β and α + β < 1, got α=${alpha} β=${beta}`);
  }
  return { upper: Math.log((1 - beta) / alpha), lower: Math.log(beta / (1 - alpha)) };
}

/** The log-likelihood ratio added by one pass and by one fail. */
export function sprtIncrements(p0: number, p1: number): { pass: number; fail: number } {
  if (!(p1 > 0 && p1 < p0 && p0 < 1))
    throw new RangeError(`SPRT needs 0 < p1 < p0 < 1, got p0=${p0} p1=${p1}`);
  return { pass: Math.log(p1 / p0), fail: Math.log((1 - p1) / (1 - p0)) };
}

/** A restarting Bernoulli SPRT; `setBaseline` moves p0 and p1 without losing the running sum. */
export class BernoulliSprt {
  private settings: SprtSettings;
  private increments: { pass: number; fail: number };
  readonly bounds: SprtBounds;
  private sum = 0;
  private cycleSamples = 0;
  private total = 0;
  private alarms = 0;
  private accepts = 0;

  constructor(settings: SprtSettings) {
    this.settings = { ...settings };
    this.bounds = sprtBounds(settings.alpha, settings.beta);
    this.increments = sprtIncrements(settings.p0, settings.p1);
  }

  /** Adds one graded result; on a decision the sum restarts at 0 (the cycle's final sum stays in `lastLlr`). */
  observe(pass: boolean): SprtDecision {
    this.sum += pass ? this.increments.pass : this.increments.fail;
    this.cycleSamples += 1;
    this.total += 1;
    let decision: SprtDecision = 'continue';
    if (this.sum >= this.bounds.upper) decision = 'alarm';
    else if (this.sum <= this.bounds.lower) decision = 'accept';
    if (decision !== 'continue') {
      this.lastCycle = { llr: this.sum, samples: this.cycleSamples, decision };
      if (decision === 'alarm') this.alarms += 1;
      else this.accepts += 1;
      this.sum = 0;
      this.cycleSamples = 0;
    }
    return decision;
  }

  /** The last finished cycle: its final log-likelihood ratio, length and decision. */
  lastCycle: { llr: number; samples: number; decision: Exclude<SprtDecision, 'continue'> } | undefined;

  setBaseline(p0: number, p1: number): void {
    this.increments = sprtIncrements(p0, p1);
    this.settings = { ...this.settings, p0, p1 };
  }

  /** The running log-likelihood ratio of the current cycle. */
  get llr(): number {
    return this.sum;
  }
  /** Samples in the current cycle. */
  get samples(): number {
    return this.cycleSamples;
  }
  /** Samples since the test was made. */
  get totalSamples(): number {
    return this.total;
  }
  get alarmCount(): number {
    return this.alarms;
  }
  get acceptCount(): number {
    return this.accepts;
  }
  get current(): Readonly<SprtSettings> {
    return this.settings;
  }
}

/** Expected log-likelihood increment per sample when the true pass rate is p. */
export function expectedIncrement(settings: SprtSettings, p: number): number {
  const { pass, fail } = sprtIncrements(settings.p0, settings.p1);
  return p * pass + (1 - p) * fail;
}

/**
 * Wald's operating characteristic: the probability that one cycle accepts the baseline when the true
 * rate is p. Solves p·(p1/p0)^h + (1−p)·((1−p1)/(1−p0))^h = 1 for h ≠ 0 (h = 1 at p0, −1 at p1), then
 * L = (e^{hA} − 1)/(e^{hA} − e^{hB}).
 */
export function operatingCharacteristic(settings: SprtSettings, p: number): number {
  const { upper, lower } = sprtBounds(settings.alpha, settings.beta);
  const drift = expectedIncrement(settings, p);
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (Math.abs(drift) < 1e-12) return upper / (upper - lower);
  const h = solveH(settings, p, drift);
  const eA = Math.exp(h * upper);
  const eB = Math.exp(h * lower);
  return (eA - 1) / (eA - eB);
}

function solveH(settings: SprtSettings, p: number, drift: number): number {
  const r1 = settings.p1 / settings.p0;
  const r2 = (1 - settings.p1) / (1 - settings.p0);
  const g = (h: number): number => p * r1 ** h + (1 - p) * r2 ** h - 1;
  // g is convex with g(0) = 0 and g'(0) = drift: the other root lies on the side opposite the drift.
  const sign = drift < 0 ? 1 : -1;
  let outer = sign;
  while (g(outer) < 0 && Math.abs(outer) < 1e6) outer *= 2;
  let inner = 0;
  for (let step = 0; step < 200; step += 1) {
    const middle = (inner + outer) / 2;
    if (g(middle) < 0) inner = middle;
    else outer = middle;
  }
  return (inner + outer) / 2;
}

/**
 * Wald's approximation of the expected number of samples in one cycle when the true rate is p:
 * E[N] = (L·B + (1 − L)·A) / E[z] (overshoot ignored, so the true mean is a little larger).
 */
export function expectedSampleNumber(settings: SprtSettings, p: number): number {
  const { upper, lower } = sprtBounds(settings.alpha, settings.beta);
  const drift = expectedIncrement(settings, p);
  if (Math.abs(drift) < 1e-12) {
    const { pass, fail } = sprtIncrements(settings.p0, settings.p1);
    return (-upper * lower) / (p * pass * pass + (1 - p) * fail * fail);
  }
  const accept = operatingCharacteristic(settings, p);
  return (accept * lower + (1 - accept) * upper) / drift;
}

/**
 * Expected samples until the restarting test alarms: cycles are independent, each alarms with
 * probability 1 − L(p), so the run length is ASN / (1 − L). Under a real drop (p ≤ p1) this is close
 * to the ASN; under the baseline it is the mean time between false alarms (about ASN(p0)/α).
 */
export function expectedRunLength(settings: SprtSettings, p: number): number {
  return expectedSampleNumber(settings, p) / (1 - operatingCharacteristic(settings, p));
}
