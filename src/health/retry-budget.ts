import { RollingCounter } from './rolling-counter.js';

/** Options of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Share of recent requests that may be in retry at once; default 0.1 (DESIGN.md §7). */
  ratio?: number;
  /** Retries always allowed at once, however few requests there were; default 3. */
  minConcurrent?: number;
  /** How long a request counts towards the budget, in ms; default 60 s. */
  windowMs?: number;
}

/** Counters of a {@link RetryBudget}, for metrics and tests. */
export interface RetryBudgetStats {
  /** Requests recorded over the window. */
  requests: number;
  /** Retries and fallbacks now in flight. */
  activeRetries: number;
  /** How many may be in flight at once now. */
  limit: number;
  /** Retries refused since creation. */
  rejected: number;
}

/**
 * A per-model retry budget with Envoy's semantics (`circuit_breakers.thresholds.retry_budget`):
 * Envoy limits *concurrent* retries to `budget_percent` of active plus pending requests — or, with
 * `budget_interval` set, of the requests started within that interval — and never below
 * `min_retry_concurrency`. Detour counts requests over the last 60 s (Envoy's `budget_interval`),
 * so the rule implemented is: a retry or fallback may start when
 * `activeRetries + 1 ≤ max(minConcurrent, ratio × requestsStartedInWindow)`.
 */
export class RetryBudget {
  private ratio: number;
  private minConcurrent: number;
  private readonly requests: RollingCounter;
  private active = 0;
  private rejected = 0;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.1;
    this.minConcurrent = options.minConcurrent ?? 3;
    this.requests = new RollingCounter(Math.max(1, Math.ceil((options.windowMs ?? 60_000) / 1000)));
  }

  /**
   * Replaces the ratio and the floor (a config reload); requests counted and retries in flight
   * stay, so the new limit applies to the traffic already seen. The window is fixed at creation.
   */
  configure(options: Pick<RetryBudgetOptions, 'ratio' | 'minConcurrent'>): void {
    if (options.ratio !== undefined) this.ratio = options.ratio;
    if (options.minConcurrent !== undefined) this.minConcurrent = options.minConcurrent;
  }

  /** Counts one client request (not its retries) towards the budget. */
  recordRequest(now: number): void {
    this.requests.add(now);
  }

  /** Takes a retry slot if the budget allows; pair every `true` with one {@link release}. */
  tryAcquire(now: number): boolean {
    if (this.active + 1 <= this.limit(now)) {
      this.active += 1;
      return true;
    }
    this.rejected += 1;
    return false;
  }

  /** Gives back a retry slot when the retry or fallback attempt ends. */
  release(): void {
    if (this.active > 0) this.active -= 1;
  }

  /** Current counters. */
  stats(now: number): RetryBudgetStats {
    return {
      requests: this.requests.sum(now),
      activeRetries: this.active,
      limit: this.limit(now),
      rejected: this.rejected,
    };
  }

  private limit(now: number): number {
    return Math.max(this.minConcurrent, this.ratio * this.requests.sum(now));
  }
}
