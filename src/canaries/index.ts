export { buildHaystack, type HaystackSpec } from './build-haystack.js';
export { type CanaryRunOptions, GRADER_ERROR, runCanary } from './canary-runner.js';
export {
  CanaryScheduler,
  type CanarySchedulerOptions,
  type CanarySkipReason,
  type MonthlyCaps,
  pauseReasonOf,
  type SendCanary,
  utcMonthOf,
  worstCaseCostUsd,
} from './canary-scheduler.js';
export { fisherExact, logFactorial } from './fisher-exact.js';
export * from './graders/index.js';
export {
  BUILT_IN_SUITES_DIR,
  type LoadCanarySuitesOptions,
  listBuiltInSuites,
  loadCanarySuites,
  parseCanarySuite,
} from './load-canary-suites.js';
export { type AnswerSummary, fitsJson, PassiveSignals, type PassiveSnapshot } from './passive-signals.js';
export {
  type DeploymentQualityStatus,
  defaultQualityMonitorOptions,
  type QualityAlarm,
  type QualityEvent,
  QualityMonitor,
  type QualityMonitorOptions,
  type QualityPhase,
} from './quality-monitor.js';
export { BernoulliSprt, expectedSampleNumber, sprtBounds } from './sprt.js';
export type * from './types.js';
