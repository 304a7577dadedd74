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
export { type Deployment, ModelTable, type ModelRoute } from './model-table.js';
export { planCandidates } from './plan.js';
