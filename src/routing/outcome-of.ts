import type { Outcome } from '../health/index.js';
import type { AttemptRecord } from './execute.js';

/** The health outcome of a finished attempt, as of `at`. */
export function outcomeOf(record: AttemptRecord, at: number): Outcome {
  const outcome: Outcome = {
    deploymentId: record.deploymentId,
    at,
    result: record.outcome,
    latencyMs: record.latencyMs,
  };
  if (record.timeToFirstTokenMs !== undefined) outcome.timeToFirstTokenMs = record.timeToFirstTokenMs;
  if (record.error?.retryAfterMs !== undefined) outcome.retryAfterMs = record.error.retryAfterMs;
  return outcome;
}
