export { AdaptiveThrottle, type AdaptiveThrottleOptions } from './adaptive-throttle.js';
export type {
  BreakerState,
  ClosedState,
  HalfOpenState,
  OpenState,
  OutstandingLease,
} from './breaker-machine.js';
export {
  type BreakerOptions,
  type BreakerOptionsInput,
  DEFAULT_RAMP,
  type DemotionOptions,
  type EjectionOptions,
  type HalfOpenOptions,
  type RampStep,
  resolveBreakerOptions,
} from './breaker-options.js';
export {
  type BreakerEvidence,
  type BreakerStrategy,
  type ThresholdStrategyOptions,
  thresholdStrategy,
} from './breaker-strategy.js';
export {
  BREAKER_TRANSITION_KINDS,
  type BreakerTransition,
  type BreakerTransitionKind,
} from './breaker-transition.js';
export { type BreakerJSON, CircuitBreaker } from './circuit-breaker.js';
export type { Admission, BreakerStateName, DeploymentStatus } from './deployment-status.js';
export {
  DEFAULT_SLOWNESS_OPTIONS,
  detectSlowness,
  initialSlownessState,
  type SlownessInput,
  type SlownessOptions,
  type SlownessState,
} from './detect-slowness.js';
export type {
  DeploymentHealth,
  FirstTokenBaseline,
  HealthKnobs,
  HealthStore,
  HealthStoreState,
  HealthWindow,
} from './health-store.js';
export { LatencySketch, type LatencySketchOptions } from './latency-sketch.js';
export { MemoryHealthStore, type MemoryHealthStoreOptions } from './memory-health-store.js';
export { type CandidateTier, type OrderedCandidate, orderCandidates } from './order-candidates.js';
export {
  configFaultOf,
  countsAsFailure,
  type DisableReason,
  OUTCOME_RESULTS,
  type Outcome,
  type OutcomeResult,
} from './outcome.js';
export {
  OutcomeWindow,
  type OutcomeWindowOptions,
  type WindowReader,
  type WindowStats,
} from './outcome-window.js';
export { SharedHealth, type SharedHealthOptions } from './redis-health-sync.js';
export { RetryBudget, type RetryBudgetOptions, type RetryBudgetStats } from './retry-budget.js';
export { RollingCounter } from './rolling-counter.js';
export { type TrialLease, type TrialVerdict, trialVerdictOf } from './trial-lease.js';
