import { DetourError } from '../core/index.js';
import type { DeploymentStatus, TrialLease } from '../health/index.js';
import { isContextLengthExceeded } from './context-window.js';
import type { Deployment } from './model-table.js';
import { orderByStrategy } from './order-by-strategy.js';
import type { PlannedModel } from './plan.js';
import type { RoutingState } from './routing-state.js';

/** Attempt limits and same-host retry timing (config `retry:`). */
export interface RetryPolicy {
  /** At most this many attempts per request. */
  maxAttempts: number;
  /** Full-jitter back-off base for a same-host retry, in ms (DESIGN.md §7: 500 ms). */
  backoffBaseMs: number;
  /** Back-off cap, in ms (8 s). */
  backoffMaxMs: number;
  /** Longest advertised `retry-after` waited out inside a request, in ms (3 s). */
  maxRetryAfterMs: number;
}

/** The attempt that just failed, as the sequence needs it to choose the next move. */
export interface FailedAttempt {
  deployment: Deployment;
  error: DetourError;
  /** The host was silent (`isSilentHost`): it is not tried again for this request. */
  silent?: boolean;
}

/** What to do next. */
export type NextStep =
  | {
      type: 'attempt';
      deployment: Deployment;
      /**
       * Sent as a half-open trial under this lease: settle it exactly once, with the attempt's
       * outcome (`health.record(outcome, lease)`) or as abandoned when there is none.
       */
      lease?: TrialLease;
      /** Every deployment is ejected or cooling: this is the panic choice. */
      panic: boolean;
      /** Wait this long first (same-host retry back-off or an advertised retry-after). */
      delayMs: number;
    }
  | { type: 'shed'; error: DetourError }
  | { type: 'done'; reason: 'exhausted' | 'max_attempts' | 'budget' };

interface Entry {
  deployment: Deployment;
  group: number;
  panic: boolean;
  /** Weighted strategy: its weight in the pool that leads its group (see `orderCandidates`). */
  share?: number;
}

// Failures after which the same host may be tried again once. A timeout is not among them: a
// silent host is never retried (DESIGN.md §6); neither is a broken body, nor anything on our side.
// A transport failure is, unless it came after a long silence (`FailedAttempt.silent`).
const SAME_HOST_RETRYABLE = new Set(['rate_limited', 'overloaded', 'server_error', 'transport']);

/**
 * The order of moves for one request (DESIGN.md §6–7): the requested model's deployments ranked
 * by its strategy and reordered by health, at once and without waiting; a same-host retry (once,
 * with full jitter or a short advertised retry-after) only when the model has no other admissible
 * deployment; then the fallback models. Every attempt after the first needs a slot of the
 * model's retry budget. When nothing is admissible anywhere, the deployment ejected longest ago is
 * tried alone, behind the model's adaptive throttle (panic).
 */
export class AttemptSequence {
  private readonly entries: Entry[];
  private readonly state: RoutingState;
  private readonly policy: RetryPolicy;
  private readonly model: string;
  private readonly retriedSameHost = new Set<string>();
  /** Model name of each group (planned model), for its weighted rotation. */
  private readonly groupModels: string[];
  private readonly settledGroups = new Set<number>();
  private next = 0;
  private attempts = 0;
  private budgetHeld = 0;
  private readonly promptTokens: number | undefined;
  /**
   * Set once a host refused the prompt as too long: only deployments with a known window larger
   * than this are tried from then on.
   */
  private contextFloor: number | undefined;
  /** Groups (models) whose window the prompt has been shown not to fit. */
  private readonly tooSmallGroups = new Set<number>();
  private readonly notes: string[] = [];

  constructor(
    planned: readonly PlannedModel[],
    state: RoutingState,
    policy: RetryPolicy,
    now: number,
    promptTokens?: number,
    /** The request was counted already (a hedge or a continuation runs a second sequence for it). */
    counted = false,
  ) {
    this.state = state;
    this.policy = policy;
    this.promptTokens = promptTokens;
    this.model = planned[0]?.model ?? '';
    this.groupModels = planned.map((model) => model.model);
    this.entries = orderEntries(planned, state, now);
    if (!counted) state.budget(this.model).recordRequest(now);
  }

  /**
   * Whether another candidate could still take the request if the attempt on `deployment` (the one
   * just handed out) were abandoned: the attempt limit is not reached and a candidate not yet tried,
   * on another host, fits the prompt and is not refused by its health. A cheap approximation (the
   * retry budget is not asked): it decides whether a slow host may be given up early.
   */
  hasAlternativeTo(deployment: Deployment): boolean {
    if (this.attempts >= this.policy.maxAttempts) return false;
    for (let index = this.next; index < this.entries.length; index += 1) {
      const entry = this.entries[index] as Entry;
      if (entry.panic || entry.deployment.deploymentId === deployment.deploymentId || this.outgrown(entry))
        continue;
      if (this.state.health.status(entry.deployment.deploymentId).admission !== 'no') return true;
    }
    return false;
  }

  /** What the sequence did beyond the plan (a move to a larger window), for the route reason. */
  get routeNotes(): readonly string[] {
    return this.notes;
  }

  /** Attempts handed out so far. */
  get attemptCount(): number {
    return this.attempts;
  }

  /** The next move, given the attempt that just failed (none before the first attempt). */
  nextStep(now: number, failed?: FailedAttempt): NextStep {
    if (this.attempts >= this.policy.maxAttempts) return { type: 'done', reason: 'max_attempts' };
    const step = this.pick(now, failed);
    if (step.type !== 'attempt') return step;
    if (this.attempts > 0) {
      if (!this.state.budget(this.model).tryAcquire(now)) {
        if (step.lease !== undefined)
          this.state.health.breaker(step.deployment.deploymentId).settleTrial(step.lease, 'abandoned', now);
        return { type: 'done', reason: 'budget' };
      }
      this.budgetHeld += 1;
    }
    this.attempts += 1;
    return step;
  }

  /** Ends the request: gives back retry-budget slots and feeds the panic throttle. */
  finish(now: number, served: boolean): void {
    const budget = this.state.budget(this.model);
    for (; this.budgetHeld > 0; this.budgetHeld -= 1) budget.release();
    this.state.throttle(this.model).record(now, served);
  }

  private pick(now: number, failed: FailedAttempt | undefined): NextStep {
    const failedGroup = failed === undefined ? -1 : this.groupOf(failed.deployment);
    if (failed !== undefined && isContextLengthExceeded(failed.error))
      this.raiseContextFloor(failed, failedGroup);
    while (this.next < this.entries.length) {
      if (this.outgrown(this.entries[this.next] as Entry)) {
        this.next += 1;
        continue;
      }
      if (failed !== undefined && (this.entries[this.next] as Entry).group !== failedGroup) {
        const retry = this.sameHostRetry(failed);
        if (retry !== undefined) return retry;
      }
      this.settleWeightedPool();
      const entry = this.entries[this.next] as Entry;
      this.next += 1;
      const step = this.admit(now, entry);
      if (step !== undefined) {
        if (failed !== undefined && isContextLengthExceeded(failed.error))
          this.notes.push(
            `context_length_exceeded at ${failed.deployment.deploymentId}; moved to ${entry.deployment.modelName} (window ${entry.deployment.contextWindow})`,
          );
        return step;
      }
    }
    if (failed !== undefined) {
      const retry = this.sameHostRetry(failed);
      if (retry !== undefined) return retry;
    }
    return { type: 'done', reason: 'exhausted' };
  }

  /**
   * A host said the prompt is too long (DESIGN.md section 6, "Context window"): the rest of that
   * model is skipped, and so is every deployment not known to have a larger window than the one
   * that refused, or, where that window is unknown, than the prompt's estimate.
   */
  private raiseContextFloor(failed: FailedAttempt, group: number): void {
    this.tooSmallGroups.add(group);
    const refused = failed.deployment.contextWindow ?? this.promptTokens ?? 0;
    this.contextFloor = Math.max(this.contextFloor ?? 0, refused);
  }

  /** Whether an entry cannot take a prompt that a host already refused as too long. */
  private outgrown(entry: Entry): boolean {
    if (this.contextFloor === undefined) return false;
    if (this.tooSmallGroups.has(entry.group)) return true;
    const window = entry.deployment.contextWindow;
    return window === undefined || window <= this.contextFloor;
  }

  private admit(now: number, entry: Entry): NextStep | undefined {
    const { deployment } = entry;
    if (entry.panic) {
      const status = this.state.health.status(deployment.deploymentId);
      // A half-open host is already being tested by its trials: more traffic would spoil the test.
      if (
        status.state === 'half_open' ||
        this.state.throttle(this.model).shouldReject(now, this.state.random)
      ) {
        return { type: 'shed', error: shedError(this.model, status, now) };
      }
      return { type: 'attempt', deployment, panic: true, delayMs: 0 };
    }
    // Health may have moved since the order was made (other requests finish meanwhile): ask again.
    const admission = this.state.health.status(deployment.deploymentId).admission;
    if (admission === 'yes') return { type: 'attempt', deployment, panic: false, delayMs: 0 };
    if (admission !== 'trial') return undefined;
    const lease = this.state.health.breaker(deployment.deploymentId).acquireTrial(now);
    return lease === undefined ? undefined : { type: 'attempt', deployment, lease, panic: false, delayMs: 0 };
  }

  private sameHostRetry(failed: FailedAttempt): NextStep | undefined {
    const { deployment, error } = failed;
    const id = deployment.deploymentId;
    if (this.retriedSameHost.has(id) || error.shouldRetry === false || failed.silent === true)
      return undefined;
    // Only a model with no other deployment to move to retries its one host; where a peer already
    // took (and failed) the request, another try would only add load to struggling hosts.
    const group = this.groupOf(deployment);
    if (this.entries.filter((entry) => entry.group === group).length > 1) return undefined;
    if (!SAME_HOST_RETRYABLE.has(error.failureClass)) return undefined;
    if (this.entries.some((entry) => entry.panic && entry.deployment === deployment)) return undefined;
    const advertised = error.retryAfterMs;
    if (advertised !== undefined && advertised > this.policy.maxRetryAfterMs) return undefined;
    // A rate-limited host is cooling down for exactly the wait we are about to honour; any other
    // host must still be admitted (its breaker may have opened on this very failure).
    if (error.failureClass !== 'rate_limited' && this.state.health.status(id).admission !== 'yes')
      return undefined;
    this.retriedSameHost.add(id);
    const cap = Math.min(
      this.policy.backoffMaxMs,
      this.policy.backoffBaseMs * 2 ** (this.retriedSameHost.size - 1),
    );
    const delayMs = advertised ?? Math.floor(this.state.random() * cap);
    return { type: 'attempt', deployment, panic: false, delayMs };
  }

  /**
   * On reaching a group whose deployments lead with a weighted pool, takes one turn of the
   * model's rotation and puts the pool in its order. Done here, not when the order is made, so a
   * fallback model that is never reached keeps its turn.
   */
  private settleWeightedPool(): void {
    const first = this.entries[this.next] as Entry;
    if (first.share === undefined || this.settledGroups.has(first.group)) return;
    this.settledGroups.add(first.group);
    let end = this.next;
    while (this.entries[end]?.group === first.group && this.entries[end]?.share !== undefined) end += 1;
    const pool = this.entries.slice(this.next, end);
    const ranked = this.state
      .rotation(this.groupModels[first.group] ?? this.model)
      .rank(pool.map((entry) => ({ id: entry.deployment.deploymentId, weight: entry.share ?? 0 })));
    const byId = new Map(pool.map((entry) => [entry.deployment.deploymentId, entry]));
    this.entries.splice(this.next, pool.length, ...ranked.map((id) => byId.get(id) as Entry));
  }

  private groupOf(deployment: Deployment): number {
    return this.entries.find((entry) => entry.deployment === deployment)?.group ?? -1;
  }
}

/**
 * Entries of every planned model, each ordered by its strategy and health; a panic entry only when
 * nothing is admissible anywhere.
 */
function orderEntries(planned: readonly PlannedModel[], state: RoutingState, now: number): Entry[] {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let panic: Entry | undefined;
  planned.forEach((model, group) => {
    const byId = new Map<string, Deployment>();
    const statuses = new Map<string, DeploymentStatus>();
    for (const deployment of model.deployments) {
      // A deployment shared by two models is one host: trying it again under another name is no failover.
      if (seen.has(deployment.deploymentId)) continue;
      seen.add(deployment.deploymentId);
      byId.set(deployment.deploymentId, deployment);
      // Reads never move health; the request path is one of the two places that step time forward.
      state.health.advance(now, deployment.deploymentId);
      statuses.set(deployment.deploymentId, state.health.status(deployment.deploymentId));
    }
    const ordered = orderByStrategy(model.strategy ?? 'priority', [...byId.values()], statuses, state);
    for (const candidate of ordered) {
      const deployment = byId.get(candidate.id) as Deployment;
      if (candidate.panic) panic ??= { deployment, group, panic: true };
      else entries.push({ deployment, group, panic: false, share: candidate.share });
    }
  });
  return entries.length > 0 || panic === undefined ? entries : [panic];
}

function shedError(model: string, status: DeploymentStatus, now: number): DetourError {
  const until = status.openUntil ?? status.coolingUntil;
  const retryAfterMs = Math.max(1000, until === undefined ? 1000 : until - now);
  return new DetourError(
    'no_deployment_available',
    'overloaded',
    `every deployment of '${model}' is failing; this request was shed to let the hosts recover`,
    { status: 503, retryAfterMs },
  );
}
