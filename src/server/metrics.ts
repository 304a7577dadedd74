import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, Usage } from '../core/index.js';
import type { AttemptRecord, Deployment, RoutingState } from '../routing/index.js';

const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

// Seconds; spans fast local hosts to slow reasoning models.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

/** Prometheus metrics of one gateway, in a registry of its own (several gateways may share a process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'detour_requests_total',
    help: 'Client requests by model and final outcome (success, failure class, or abandoned by the client)',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'detour_attempts_total',
    help: 'Upstream attempts by deployment and outcome (success or failure class)',
    labelNames: ['deployment', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'detour_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer (for streams: the end of the stream)',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly attemptDuration = new Histogram({
    name: 'detour_attempt_duration_seconds',
    help: 'Upstream attempt duration by deployment',
    labelNames: ['deployment'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: 'detour_time_to_first_token_seconds',
    help: 'Streaming time to first content by deployment',
    labelNames: ['deployment'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly retryBudgetExhausted = new Counter({
    name: 'detour_retry_budget_exhausted_total',
    help: 'Retries or failovers refused because the model retry budget was spent',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly hedges = new Counter({
    name: 'detour_hedges_total',
    help: 'Hedged requests: a second attempt sent while the first had not answered; outcome won or lost',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'detour_retries_total',
    help: 'Attempts beyond the first, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: 'detour_tokens_total',
    help: 'Tokens by answering model and type (input incl. cached, output incl. reasoning, cached input, reasoning)',
    labelNames: ['model', 'type'] as const,
    registers: [this.registry],
  });
  readonly cost = new Counter({
    name: 'detour_cost_usd_total',
    help: 'Cost in USD by answering model (requests whose price is unknown add 0)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly canaryRuns = new Counter({
    name: 'detour_canary_runs_total',
    help: 'Quality canaries by deployment and result: pass, fail (graded wrong) or unanswered (the host failed)',
    labelNames: ['deployment', 'result'] as const,
    registers: [this.registry],
  });
  readonly canaryCost = new Counter({
    name: 'detour_canary_cost_usd_total',
    help: 'What quality canaries cost, by provider, at catalog prices (worst case when unknown)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly requestLogRows = new Counter({
    name: 'detour_request_log_rows_total',
    help: 'Request-log rows written, or dropped by reason (queue_full, store_error, closed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /**
   * Reads breaker states and retry-budget use from the routing state at each scrape, so the
   * request path pays nothing for them.
   */
  trackRouting(state: RoutingState, clock: Clock): void {
    new Gauge({
      name: 'detour_breaker_state',
      help: 'Breaker state per deployment: 1 for the current state, 0 otherwise',
      labelNames: ['deployment', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const deployment of state.health.snapshot()) {
          for (const name of BREAKER_STATES) {
            this.set({ deployment: deployment.id, state: name }, deployment.status.state === name ? 1 : 0);
          }
        }
      },
    });
    new Gauge({
      name: 'detour_retry_budget_active',
      help: 'Retries and failovers in flight per model (the retry budget in use)',
      labelNames: ['model'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [model, budget] of state.budgetsByModel())
          this.set({ model }, budget.stats(clock.now()).activeRetries);
      },
    });
    new Gauge({
      name: 'detour_retry_budget_limit',
      help: 'Retries and failovers that may be in flight at once per model now',
      labelNames: ['model'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [model, budget] of state.budgetsByModel())
          this.set({ model }, budget.stats(clock.now()).limit);
      },
    });
  }

  /**
   * `detour_shared_state_up{part}`: 1 while this replica reaches Redis for that part of the shared
   * state (`health`: breaker transitions and outcome counts; `limits`: rate limits and budgets), 0
   * while it serves on its local view (DESIGN.md section 9). Absent when no shared state is configured.
   */
  trackSharedState(parts: () => ReadonlyArray<{ part: 'health' | 'limits'; up: boolean }>): void {
    new Gauge({
      name: 'detour_shared_state_up',
      help: '1 while shared state (Redis) is reachable for that part, 0 while this replica decides on its local view',
      labelNames: ['part'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { part, up } of parts()) this.set({ part }, up ? 1 : 0);
      },
    });
  }

  /** Counts one canary run (results read back from the store at a lease take-over are not counted again). */
  recordCanary(result: {
    deployment: string;
    provider: string;
    pass: boolean | null;
    costUsd: number;
  }): void {
    const outcome = result.pass === null ? 'unanswered' : result.pass ? 'pass' : 'fail';
    this.canaryRuns.inc({ deployment: result.deployment, result: outcome });
    this.canaryCost.inc({ provider: result.provider }, result.costUsd);
  }

  /**
   * `detour_quality_alarm{deployment}`: 1 while a public quality alarm is open on the deployment,
   * 0 for every other deployment the canaries judge (on the replica that runs them).
   */
  trackQuality(read: () => ReadonlyArray<{ deployment: string; alarm: boolean }>): void {
    new Gauge({
      name: 'detour_quality_alarm',
      help: 'Quality canaries: 1 while a public quality alarm is open on the deployment, else 0',
      labelNames: ['deployment'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { deployment, alarm } of read()) this.set({ deployment }, alarm ? 1 : 0);
      },
    });
  }

  /** Records one upstream attempt (abandoned ones say nothing about the host and are left out). */
  recordAttempt(deployment: Deployment, record: AttemptRecord): void {
    if (record.abandoned) return;
    this.attempts.inc({ deployment: deployment.deploymentId, outcome: record.outcome });
    this.attemptDuration.observe({ deployment: deployment.deploymentId }, record.latencyMs / 1000);
    if (record.timeToFirstTokenMs !== undefined) {
      this.timeToFirstToken.observe(
        { deployment: deployment.deploymentId },
        record.timeToFirstTokenMs / 1000,
      );
    }
  }

  /** Counts the tokens and cost of one answered request against the model that answered it. */
  recordUsage(model: string, usage: Usage | undefined, costUsd: number | undefined): void {
    // An answer without usage (a same-protocol stream whose client did not ask for it) adds 0, so
    // every answering model has its series from its first answer on.
    this.tokens.inc({ model, type: 'input' }, usage?.inputTokens ?? 0);
    this.tokens.inc({ model, type: 'output' }, usage?.outputTokens ?? 0);
    this.tokens.inc({ model, type: 'cached' }, usage?.cacheReadTokens ?? 0);
    this.tokens.inc({ model, type: 'reasoning' }, usage?.reasoningTokens ?? 0);
    this.cost.inc({ model }, costUsd ?? 0);
  }

  /** Shows the request log's outcomes at 0 before the first row, so dashboards see the series. */
  trackRequestLog(): void {
    for (const outcome of ['written', 'queue_full', 'store_error', 'closed'])
      this.requestLogRows.inc({ outcome }, 0);
  }

  /** Records one finished client request. */
  recordRequest(model: string, outcome: string, attempts: number, durationMs: number): void {
    this.requests.inc({ model, outcome });
    this.requestDuration.observe({ model }, durationMs / 1000);
    if (attempts > 1) this.retries.inc({ model }, attempts - 1);
  }
}
