import type { DisableReason } from './outcome.js';

/** The breaker's state machine position. */
export type BreakerStateName = 'closed' | 'open' | 'half_open';

/** Whether a deployment may take a request now: normally, as a half-open trial, or not at all. */
export type Admission = 'yes' | 'trial' | 'no';

/** What the router and the status page read about one deployment at one instant. */
export interface DeploymentStatus {
  /** Breaker state. */
  state: BreakerStateName;
  /** What {@link CircuitBreaker.canAdmit} answers now. */
  admission: Admission;
  /** Failure rate over the demotion window is high: try after healthy peers. */
  demoted: boolean;
  /** Slow, not broken (p95 time to first token ≥ 2× its baseline): halve its weight. */
  degraded: boolean;
  /** Rate-limited: admits nothing until this epoch ms. Absent when not cooling. */
  coolingUntil?: number;
  /** Disabled by a config fault until an operator re-enables it. */
  disabled?: DisableReason;
  /** Drained by an admin: admits nothing (unless forced). */
  drained: boolean;
  /** Force-enabled by an admin: always admitted, ejection ignored. */
  forced: boolean;
  /** Current ejection multiplier (after decay). */
  ejectionCount: number;
  /** When the current ejection began (open and half-open only). */
  openedAt?: number;
  /** When the current ejection ends (open only). */
  openUntil?: number;
  /** Free trial slots (half-open only); 0 while another replica runs them. */
  trialsAvailable?: number;
  /**
   * Another replica runs this ejection's trials and health checks until this epoch ms (open and
   * half-open only, with shared state); absent when this replica runs its own.
   */
  trialsElsewhereUntil?: number;
  /** Share of its normal traffic during the ramp after a restore (1 when not ramping, 0 when not closed). */
  admissionWeight: number;
}
