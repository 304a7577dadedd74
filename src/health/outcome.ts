import type { FailureClass } from '../core/index.js';

/** What an attempt ended as: `success` or one failure class (DESIGN.md section 6). */
export type OutcomeResult = 'success' | FailureClass;

/** One attempt's outcome, as health sees it. */
export interface Outcome {
  /** Deployment id (`provider/upstream-model`). */
  deploymentId: string;
  /** When the attempt ended, in epoch milliseconds. */
  at: number;
  /** How it ended. */
  result: OutcomeResult;
  /** Total attempt latency, in milliseconds. */
  latencyMs: number;
  /** Time to the first content token, in milliseconds, when one arrived. */
  timeToFirstTokenMs?: number;
  /**
   * For `rate_limited`: how long the host asked us to wait (from `retry-after` and the vendors' reset
   * headers), in milliseconds. The deployment cools down for this long (capped).
   */
  retryAfterMs?: number;
}

/** Every outcome result, in a fixed order (the index of a result in per-class counters). */
export const OUTCOME_RESULTS: readonly OutcomeResult[] = [
  'success',
  'client_error',
  'content_policy',
  'rate_limited',
  'quota',
  'auth',
  'not_found',
  'overloaded',
  'server_error',
  'timeout',
  'transport',
  'bad_response',
];

/** Index of each result in {@link OUTCOME_RESULTS}; a lookup table so hot paths do not search. */
export const OUTCOME_RESULT_INDEX: Readonly<Record<OutcomeResult, number>> = {
  success: 0,
  client_error: 1,
  content_policy: 2,
  rate_limited: 3,
  quota: 4,
  auth: 5,
  not_found: 6,
  overloaded: 7,
  server_error: 8,
  timeout: 9,
  transport: 10,
  bad_response: 11,
};

// DESIGN.md section 6: only these are the host's fault. Rate limits, quota, auth and not_found are
// our side (or the host protecting itself) and client_error / content_policy are the request's.
const HOST_FAILURES: Readonly<Record<OutcomeResult, boolean>> = {
  success: false,
  client_error: false,
  content_policy: false,
  rate_limited: false,
  quota: false,
  auth: false,
  not_found: false,
  overloaded: true,
  server_error: true,
  timeout: true,
  transport: true,
  bad_response: true,
};

/** Whether a result counts against the host's health (a failure for windows and breakers). */
export function countsAsFailure(result: OutcomeResult): boolean {
  return HOST_FAILURES[result];
}

/** The config faults that disable a deployment until an operator re-enables it. */
export type DisableReason = 'auth' | 'quota' | 'not_found';

/** Whether a result is a config fault that disables the deployment, and which. */
export function configFaultOf(result: OutcomeResult): DisableReason | undefined {
  return result === 'auth' || result === 'quota' || result === 'not_found' ? result : undefined;
}
