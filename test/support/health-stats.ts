import {
  countsAsFailure,
  type DeploymentHealth,
  type DeploymentStatus,
  type OutcomeResult,
  type WindowStats,
} from '../../src/health/index.js';

/** Window stats from counts by result, no latency samples unless `ttftP95` is given. */
export function windowStats(byResult: WindowStats['byResult'], ttftP95: number | null = null): WindowStats {
  const counts = Object.entries(byResult) as Array<[OutcomeResult, number]>;
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  const failures = counts.reduce((sum, [result, count]) => sum + (countsAsFailure(result) ? count : 0), 0);
  return {
    total,
    successes: byResult.success ?? 0,
    failures,
    failureRate: total === 0 ? 0 : failures / total,
    byResult,
    latencyP50: null,
    latencyP95: null,
    ttftP50: null,
    ttftP95,
    ttftP99: null,
    ttftCount: 0,
  };
}

/** A closed, admitted, healthy deployment's status, with `overrides`. */
export function deploymentStatus(overrides: Partial<DeploymentStatus> = {}): DeploymentStatus {
  return {
    state: 'closed',
    admission: 'yes',
    demoted: false,
    degraded: false,
    drained: false,
    forced: false,
    ejectionCount: 0,
    admissionWeight: 1,
    ...overrides,
  };
}

/** A deployment's health with the same stats in every window. */
export function deploymentHealth(
  id: string,
  stats: WindowStats,
  status: Partial<DeploymentStatus> = {},
  baselineTtftMs: number | null = null,
): DeploymentHealth {
  return {
    id,
    status: deploymentStatus(status),
    windows: { tenSeconds: stats, oneMinute: stats, fiveMinutes: stats },
    consecutiveFailures: 0,
    ejectionCount: 0,
    baselineTtftMs,
  };
}
