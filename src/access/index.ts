export {
  AccessControl,
  type AccessControlOptions,
  AccessRefused,
  type Admission,
  type AdmissionInput,
  type AuthMode,
} from './access-control.js';
export {
  type Budget,
  BudgetGuard,
  type BudgetGuardOptions,
  type BudgetRefusal,
  type BudgetSnapshot,
  type Budgets,
  type BudgetThresholdEvent,
  isBudgetRefusal,
  type Reservation,
} from './budget-guard.js';
export { budgetPeriodAt } from './budget-period.js';
export {
  CLIENT_KEY_PREFIX,
  generateClientKey,
  hashClientKey,
  type NewClientKey,
  presentedKey,
  randomBase62,
  visiblePrefix,
} from './client-key.js';
export { DEFAULT_OUTPUT_ALLOWANCE, estimateRequest, type RequestEstimate } from './estimate-request-cost.js';
export { KeyDirectory, type KeyDirectoryOptions } from './key-directory.js';
export { modelAllowed } from './model-scope.js';
export { formatResetDuration, rateLimitHeaders } from './rate-limit-headers.js';
export {
  type LimitState,
  MemoryRateLimiter,
  type RateDecision,
  type RateLimiter,
  type RateLimits,
} from './rate-limiter.js';
export {
  type JointAccess,
  type JointAdmission,
  RedisJointAccess,
  type RedisJointAccessOptions,
} from './redis-admission.js';
export { RedisBudgetGuard, type RedisBudgetGuardOptions } from './redis-budget-guard.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
export { type LuaScript, luaScript, RedisState, type RedisStateOptions } from './redis-state.js';
