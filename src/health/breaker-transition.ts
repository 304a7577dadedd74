import type { BreakerJSON } from './circuit-breaker.js';

/**
 * What changed in a breaker that other replicas must know at once (DESIGN.md section 9):
 * `ejected` (it opened), `restored` (it closed after trials), `switched` (drain, force-enable or
 * disable turned on or off) and `reset` (admin reset: a fresh breaker and window).
 */
export type BreakerTransitionKind = 'ejected' | 'restored' | 'switched' | 'reset';

/** The kinds of {@link BreakerTransitionKind}, for validating what arrives from elsewhere. */
export const BREAKER_TRANSITION_KINDS: readonly BreakerTransitionKind[] = [
  'ejected',
  'restored',
  'switched',
  'reset',
];

/** One breaker transition, with the breaker's whole state right after it. */
export interface BreakerTransition {
  /** Deployment id. */
  deploymentId: string;
  kind: BreakerTransitionKind;
  /** When it happened (the store's clock). */
  at: number;
  /** The breaker right after the transition. */
  breaker: BreakerJSON;
}
