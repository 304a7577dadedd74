import type { DeploymentQualityStatus, PassiveSignals } from '../canaries/index.js';
import type { CanaryTally } from '../canaries/types.js';
import type { Clock } from '../core/index.js';
import type { UpstreamTransport } from '../providers/index.js';
import type { AttemptObserver, ModelTable, RetryPolicy, RoutingState } from '../routing/index.js';
import type { RequestLogRow } from '../store/index.js';
import type { AccessRuntime } from './build-access.js';
import type { LoginThrottle } from './console/login-throttle.js';
import type { GatewayMetrics } from './metrics.js';
import type { RequestTracer } from './telemetry/index.js';

/** Reads canary pass counts per deployment and suite over a time range (the store's `tallyCanaries`). */
export type CanaryTallies = (query: { from: number; to: number; model: string }) => Promise<CanaryTally[]>;

/** What the request path needs, shared by every route. Swapped whole on a config reload. */
export interface Gateway {
  /** Configured models. */
  table: ModelTable;
  /** Upstream HTTP pools. */
  transport: UpstreamTransport;
  /** Time source. */
  clock: Clock;
  /** Attempt limits and back-off. */
  policy: RetryPolicy;
  /** Health, retry budgets, panic throttles; the same object across config reloads. */
  state: RoutingState;
  /** Called after each upstream attempt. */
  onAttempt?: AttemptObserver;
  /** Bearer key of the admin API; the admin API is off without one. */
  adminKey?: string;
  /**
   * Wrong admin keys per client address (the admin API and MCP); the same object across config
   * reloads. Absent in bare unit setups: no limit.
   */
  adminThrottle?: LoginThrottle;
  /** Prometheus metrics; the same object across config reloads. */
  metrics?: GatewayMetrics;
  /** Where each request's log row goes (the batching writer); absent with `log.enabled: false`. */
  requestLog?: { record(row: RequestLogRow): void };
  /** Client keys, limits and budgets; the same object across config reloads (absent in bare unit setups: open). */
  access?: AccessRuntime;
  /** Breaker transitions shared with other replicas through Redis; absent without `state.redis`. */
  sharedHealth?: { readonly up: boolean };
  /**
   * Traces, made only when `telemetry.otlp` is configured (restart-only); absent, a request pays one
   * branch on undefined and nothing else.
   */
  telemetry?: RequestTracer;
  /** Canary results for `GET /admin/explain`; absent until canaries are wired to the store. */
  canaryTallies?: CanaryTallies;
  /** Passive quality signals from live answers, per deployment (DESIGN.md §7); no bodies kept. */
  passiveSignals?: PassiveSignals;
  /** Quality canaries and their statistics; absent with `canaries.enabled: false`. */
  quality?: QualityReader;
}

/** What the admin API reads of the canaries' statistics. */
export interface QualityReader {
  status(deployment: string): DeploymentQualityStatus | undefined;
}
