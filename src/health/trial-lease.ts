import { countsAsFailure, type OutcomeResult } from './outcome.js';

/**
 * A half-open trial slot, taken with {@link CircuitBreaker.acquireTrial} and settled exactly once:
 * through the outcome it carried ({@link HealthStore.record} with the lease), or as `abandoned` when
 * the attempt ended without one. It names the half-open period it was issued in, so settling it a
 * second time, or after the breaker was reset or re-opened, changes nothing.
 */
export interface TrialLease {
  /** The half-open period (the breaker's generation) the lease belongs to. */
  readonly generation: number;
  /** Tells the period's leases apart. */
  readonly token: number;
  /** When it was taken (epoch ms); it is lost once `halfOpen.trialTimeout` has passed since. */
  readonly issuedAt: number;
}

/** How a trial ended: the host passed, the host failed, or the attempt said nothing about the host. */
export type TrialVerdict = 'succeeded' | 'failed' | 'abandoned';

/**
 * The verdict an outcome gives its trial: a success passes, a host failure fails, and anything that
 * is not the host's doing (a rate limit, a config fault, the client's own error) only frees the slot.
 */
export function trialVerdictOf(result: OutcomeResult): TrialVerdict {
  if (result === 'success') return 'succeeded';
  return countsAsFailure(result) ? 'failed' : 'abandoned';
}
