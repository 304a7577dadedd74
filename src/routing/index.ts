export { AttemptSequence, type FailedAttempt, type NextStep, type RetryPolicy } from './attempt-sequence.js';
export { chooseFinalError } from './choose-final-error.js';
export {
  AllAttemptsFailed,
  type AttemptObserver,
  type AttemptRecord,
  type ExecuteOptions,
  executeNonStream,
  executeStream,
  type OpenedStream,
  type Served,
} from './execute.js';
export { costOf, type RequestCost, UsageMeter } from './meter-usage.js';
export { type Deployment, type ModelRoute, ModelTable } from './model-table.js';
export { type PlannedModel, planCandidates } from './plan.js';
export { Prober, type ProberOptions, type ProbeTarget } from './prober.js';
export { RoutingState, type RoutingStateOptions, type TableChange } from './routing-state.js';
