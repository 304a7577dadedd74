import type { DeploymentHealth, WindowStats } from '../health/index.js';
import { type ComponentStatus, STATUS_SEVERITY } from '../store/index.js';

/** How bad a status is: 0 operational … 3 major outage. */
export function severityOf(status: ComponentStatus): number {
  return STATUS_SEVERITY[status];
}

/** The worse of two statuses. */
export function worseOf(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return STATUS_SEVERITY[b] > STATUS_SEVERITY[a] ? b : a;
}

/** Thresholds of {@link statusFromRate} (DESIGN.md §7, Atlassian Statuspage vocabulary). */
export interface StatusThresholds {
  /** At or above: degraded performance; default 0.01. */
  degraded: number;
  /** At or above: partial outage; default 0.05. */
  partial: number;
  /** At or above: major outage; default 0.5. */
  major: number;
  /** Fewer calls than this in the minute say nothing; default 5. */
  minCalls: number;
}

/** DESIGN.md §7: operational < 1 %, degraded 1–5 %, partial 5–50 %, major ≥ 50 % over a minute. */
export const DEFAULT_STATUS_THRESHOLDS: StatusThresholds = {
  degraded: 0.01,
  partial: 0.05,
  major: 0.5,
  minCalls: 5,
};

/** The status an error rate over a minute stands for. */
export function statusFromRate(errors: number, total: number, thresholds: StatusThresholds): ComponentStatus {
  if (total < thresholds.minCalls || total === 0) return 'operational';
  const rate = errors / total;
  if (rate >= thresholds.major) return 'major_outage';
  if (rate >= thresholds.partial) return 'partial_outage';
  if (rate >= thresholds.degraded) return 'degraded_performance';
  return 'operational';
}

/**
 * A deployment's raw host health now: an ejected (open or half-open) deployment is a major outage
 * whatever its recent counts, since it takes no traffic; otherwise its host-failure rate over the
 * last minute, and slow-not-broken is degraded performance. Rate limits, quota and auth are not
 * host failures and never show here (they raise operator alerts instead).
 */
export function deploymentStatusOf(health: DeploymentHealth, thresholds: StatusThresholds): ComponentStatus {
  if (health.status.state !== 'closed') return 'major_outage';
  const minute = health.windows.oneMinute;
  const fromRate = statusFromRate(minute.failures, minute.total, thresholds);
  return health.status.degraded ? worseOf(fromRate, 'degraded_performance') : fromRate;
}

/** Client-visible errors in a model's request window: everything but success and the client's own mistakes. */
export function visibleErrorsOf(stats: WindowStats): number {
  const own = (stats.byResult.client_error ?? 0) + (stats.byResult.content_policy ?? 0);
  return stats.total - stats.successes - own;
}

/** A model's status as its users saw it after failover, over the last minute. */
export function modelStatusOf(stats: WindowStats | undefined, thresholds: StatusThresholds): ComponentStatus {
  if (stats === undefined) return 'operational';
  const own = (stats.byResult.client_error ?? 0) + (stats.byResult.content_policy ?? 0);
  return statusFromRate(visibleErrorsOf(stats), stats.total - own, thresholds);
}
