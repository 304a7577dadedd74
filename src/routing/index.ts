export { AttemptSequence, type FailedAttempt, type NextStep, type RetryPolicy } from './attempt-sequence.js';
export { type AutoOrder, chooseAutoOrder, PRICED_OUTPUT_TOKENS } from './choose-auto-order.js';
export { chooseFinalError } from './choose-final-error.js';
export {
  estimateIfNearWindow,
  exceedsWindow,
  isContextLengthExceeded,
  WINDOW_MARGIN,
} from './context-window.js';
export {
  estimatePromptTokens,
  IMAGE_TOKEN_ALLOWANCE,
  promptTokensUpperBound,
} from './estimate-prompt-tokens.js';
export {
  AllAttemptsFailed,
  type AttemptObserver,
  type AttemptRecord,
  type AttemptStartObserver,
  type ExecuteOptions,
  executeNonStream,
  executeStream,
  type OpenedStream,
  type Served,
} from './execute.js';
export { type AdaptiveFirstToken, firstTokenLimitOf } from './first-token-limit.js';
export { isSilentHost, SILENT_SHARE } from './is-silent-host.js';
export { costOf, type RequestCost, UsageMeter } from './meter-usage.js';
export type { AutoChoice, AutoPreference, ModelCapabilities, TokenPrice } from './model-facts.js';
export { type Deployment, type ModelRoute, ModelTable } from './model-table.js';
export { type PlannedModel, type PlanOptions, planCandidates, planRoute, type RoutePlan } from './plan.js';
export { Prober, type ProberOptions, type ProbeTarget } from './prober.js';
export { RoutingState, type RoutingStateOptions, type TableChange } from './routing-state.js';
