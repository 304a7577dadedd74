import { setTimeout as delay } from 'node:timers/promises';
import { type Clock, DetourError, type FailureClass, toDetourError } from '../core/index.js';
import type { TrialLease } from '../health/index.js';
import type { AttemptInput, AttemptTarget } from '../providers/index.js';
import { AttemptSequence, type FailedAttempt, type RetryPolicy } from './attempt-sequence.js';
import { chooseFinalError } from './choose-final-error.js';
import { isContextLengthExceeded } from './context-window.js';
import { firstTokenLimitOf } from './first-token-limit.js';
import { isSilentHost } from './is-silent-host.js';
import type { RequestCost } from './meter-usage.js';
import type { Deployment } from './model-table.js';
import { outcomeOf } from './outcome-of.js';
import type { PlannedModel } from './plan.js';
import type { RoutingState } from './routing-state.js';

/** What became of one attempt. */
export interface AttemptRecord {
  /** Deployment id. */
  deploymentId: string;
  /** `success`, or the failure class. */
  outcome: 'success' | FailureClass;
  /** The error, for failures. */
  error?: DetourError;
  /** When the attempt started (ms since epoch, from the gateway's clock). */
  startedAt: number;
  /** How long it took: to the whole answer, or for a stream to its end or failure. */
  latencyMs: number;
  /** For streams: time from the attempt's start to its first content. */
  timeToFirstTokenMs?: number;
  /** Sent as a half-open trial. */
  trial?: boolean;
  /** Sent in panic mode (every deployment ejected or cooling). */
  panic?: boolean;
  /** The client left or the deadline passed: says nothing about the host, so health ignores it. */
  abandoned?: boolean;
  /**
   * The host was silent (DESIGN.md section 6): it stayed silent past the first-token limit, or held
   * the connection silent and then closed it. It was not tried again for this request.
   */
  silent?: boolean;
  /** The first-token limit, in ms, when the adaptive limit made it shorter than the configured one. */
  firstTokenLimitMs?: number;
  /** A continuation of a stream another host broke off: how many characters of text the client had (the seam). */
  continuedAt?: number;
  /** Sent by a hedge run (DESIGN.md section 6, "Hedging"), not by the request's first run. */
  hedge?: boolean;
}

/** Notified of every attempt's outcome (metrics and logs hook in here; health is fed directly). */
export type AttemptObserver = (deployment: Deployment, record: AttemptRecord) => void;

/**
 * Told as each attempt starts, before anything is sent (tracing opens its span here); the headers
 * it returns (W3C `traceparent`, `tracestate`) go upstream with that attempt only.
 */
export type AttemptStartObserver = (
  deployment: Deployment,
  record: AttemptRecord,
) => Readonly<Record<string, string>> | undefined;

/** What the attempt loop needs besides the request. */
export interface ExecuteOptions {
  /** Health, retry budgets and panic throttles. */
  state: RoutingState;
  /** Attempt limit and back-off. */
  policy: RetryPolicy;
  /** Called after each attempt; for a stream that succeeded, when the stream ends. */
  onAttempt?: AttemptObserver;
  /** Called as each attempt starts; absent unless tracing is on, so an untraced attempt pays one branch. */
  onAttemptStart?: AttemptStartObserver;
  /** Called when the retry budget stopped a failover or retry. */
  onBudgetExhausted?: (model: string) => void;
  /** The plan's estimate of the prompt's tokens, when it made one (the context-window fallback reads it). */
  promptTokens?: number;
  /** Why the plan routes the request as it does ({@link RoutePlan.reason}); carried into the result. */
  routeReason?: string;
  /** Streams only: a stream that breaks after content goes on from another candidate (DESIGN.md section 6). */
  recovery?: { acrossModels: boolean };
  /** The model's hedging (DESIGN.md section 6, "Hedging"), when it opted in. */
  hedging?: HedgingOptions;
  /** Called when a hedge was sent, with whether it won. */
  onHedge?: (report: { model: string; won: boolean }) => void;
  /** This run belongs to a request already counted in the retry budget (a hedge, a continuation). */
  sameRequest?: boolean;
  /** This run is a hedge: its attempts are marked {@link AttemptRecord.hedge}. */
  hedge?: boolean;
}

/** A model's hedging knobs (config `models.<name>.hedging`). */
export interface HedgingOptions {
  /** Most hedges as a share of the model's requests over the last minute (default 0.05). */
  maxShare: number;
  /** Shortest wait before a hedge, in ms (default 1 s). */
  floorMs: number;
}

/** A request that succeeded: who served it and what each attempt did. */
export interface Served<T> {
  /** The deployment that answered. */
  deployment: Deployment;
  /** Every attempt in order, the last being the success. */
  attempts: AttemptRecord[];
  /** The answer. */
  result: T;
  /**
   * What the answer cost: only the answering attempt is charged (failed ones cost nothing).
   * Set at once for a complete answer; for a stream, when its `rest` ends (finished or cut).
   * Undefined when the deployment has no price (not in the catalog, no `price:`) or no usage was
   * reported.
   */
  cost?: RequestCost;
  /**
   * Why the request went where it did, when more than "the model, then its fallbacks" happened:
   * an `auto` model's choice, deployments skipped for their context window, a move to a fallback
   * with a larger window. Sent as `x-detour-route-reason`; the request log's `routeReason`.
   */
  routeReason?: string;
}

/** Raised when every candidate failed; carries the attempts for headers and logs. */
export class AllAttemptsFailed extends DetourError {
  readonly attempts: AttemptRecord[];
  /** Why the request went where it did (see {@link Served.routeReason}). */
  readonly routeReason: string | undefined;

  constructor(final: DetourError, attempts: AttemptRecord[], routeReason?: string) {
    super(final.code, final.failureClass, final.message, {
      status: final.status,
      param: final.param,
      retryAfterMs: final.retryAfterMs,
      upstream: final.upstream,
      timeout: final.timeout,
    });
    this.attempts = attempts;
    this.routeReason = routeReason;
  }
}

/**
 * Failures the same request must not be sent elsewhere for: the request itself is at fault. A prompt
 * too long for one model is not: the sequence may move it to a fallback with a larger window.
 */
function stopsFailover(error: DetourError): boolean {
  if (isContextLengthExceeded(error)) return false;
  return error.failureClass === 'client_error' || error.failureClass === 'content_policy';
}

function joinReasons(first: string | undefined, rest: readonly string[]): string | undefined {
  const all = first === undefined ? [...rest] : [first, ...rest];
  return all.length === 0 ? undefined : all.join('; ');
}

/** One attempt's own result. */
export interface AttemptOutcome<T> {
  result: T;
  /** For streams: the outcome is settled when the stream ends, by the stream wrapper. */
  deferSettle?: boolean;
  timeToFirstTokenMs?: number;
}

/** Settles the attempt once it is really over: health (and its trial lease) first, then observers. */
export type Settle = () => void;

/** What an attempt function is given: where to send, its record to fill, and how to settle it. */
export interface AttemptContext {
  deployment: Deployment;
  /** What to send the attempt to: the deployment, with this attempt's own first-token limit. */
  target: AttemptTarget;
  record: AttemptRecord;
  settle: Settle;
}

function settleWith(
  options: ExecuteOptions,
  clock: Clock,
  deployment: Deployment,
  record: AttemptRecord,
  lease: TrialLease | undefined,
): Settle {
  const health = options.state.health;
  return () => {
    const now = clock.now();
    // One call settles the outcome and the trial together, so neither can count without the other.
    if (!record.abandoned) health.record(outcomeOf(record, now), lease);
    else if (lease !== undefined)
      health.breaker(deployment.deploymentId).settleTrial(lease, 'abandoned', now);
    options.onAttempt?.(deployment, record);
  };
}

export async function runAttempts<T>(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
  attempt: (context: AttemptContext) => Promise<AttemptOutcome<T>>,
): Promise<Served<T>> {
  const attempts: AttemptRecord[] = [];
  const errors: DetourError[] = [];
  const clock = input.clock;
  const sequence = new AttemptSequence(
    planned,
    options.state,
    options.policy,
    clock.now(),
    options.promptTokens,
    options.sameRequest === true,
  );
  let served = false;
  let failed: FailedAttempt | undefined;
  try {
    while (!input.signal.aborted) {
      const step = sequence.nextStep(clock.now(), failed);
      if (step.type === 'shed') {
        errors.push(step.error);
        break;
      }
      if (step.type === 'done') {
        if (step.reason === 'budget') options.onBudgetExhausted?.(planned[0]?.model ?? '');
        break;
      }
      const { deployment, lease } = step;
      if (step.delayMs > 0 && !(await sleepUnlessAborted(step.delayMs, input.signal))) {
        if (lease !== undefined)
          options.state.health.breaker(deployment.deploymentId).settleTrial(lease, 'abandoned', clock.now());
        break;
      }
      const startedAt = clock.now();
      const record: AttemptRecord = {
        deploymentId: deployment.deploymentId,
        outcome: 'success',
        startedAt,
        latencyMs: 0,
      };
      if (lease !== undefined) record.trial = true;
      if (step.panic) record.panic = true;
      if (options.hedge === true) record.hedge = true;
      attempts.push(record);
      const settle = settleWith(options, clock, deployment, record, lease);
      const target = tracedTarget(
        attemptTarget(deployment, input, options.state, sequence, record),
        options.onAttemptStart?.(deployment, record),
      );
      try {
        const outcome = await attempt({ deployment, target, record, settle });
        record.latencyMs = clock.now() - startedAt;
        if (outcome.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = outcome.timeToFirstTokenMs;
        if (!outcome.deferSettle) settle();
        served = true;
        const done: Served<T> = { deployment, attempts, result: outcome.result };
        const routeReason = joinReasons(options.routeReason, sequence.routeNotes);
        if (routeReason !== undefined) done.routeReason = routeReason;
        return done;
      } catch (thrown) {
        const error = toDetourError(thrown);
        record.outcome = error.failureClass;
        record.error = error;
        record.latencyMs = clock.now() - startedAt;
        // A request the client abandoned says nothing about the host; its own deadline does.
        if (input.signal.aborted && error.timeout !== 'total') record.abandoned = true;
        else if (isSilentHost(error, record.latencyMs, target.timeouts.firstTokenMs)) record.silent = true;
        settle();
        errors.push(error);
        if (stopsFailover(error)) break;
        failed = { deployment, error, silent: record.silent === true };
      }
    }
    if (input.signal.aborted && input.signal.reason instanceof DetourError) errors.push(input.signal.reason);
    throw new AllAttemptsFailed(
      chooseFinalError(errors),
      attempts,
      joinReasons(options.routeReason, sequence.routeNotes),
    );
  } finally {
    sequence.finish(clock.now(), served);
  }
}

/**
 * The deployment as this attempt reaches it: itself, or — for a stream, once the deployment has a
 * first-token baseline and another candidate could take over — a copy with the shorter adaptive
 * first-token limit (noted on the record).
 */
function attemptTarget(
  deployment: Deployment,
  input: AttemptInput,
  state: RoutingState,
  sequence: AttemptSequence,
  record: AttemptRecord,
): AttemptTarget {
  // A non-streamed answer's first byte comes with the whole answer, whose time depends on its
  // length: only a stream's first token is comparable from request to request.
  if (!input.request.stream || deployment.adaptiveFirstToken === undefined) return deployment;
  const configuredMs = deployment.timeouts.firstTokenMs;
  const limitMs = firstTokenLimitOf({
    configuredMs,
    adaptive: deployment.adaptiveFirstToken,
    baseline: state.health.firstTokenBaseline(deployment.deploymentId),
    hasAlternative: () => sequence.hasAlternativeTo(deployment),
  });
  if (limitMs === configuredMs) return deployment;
  record.firstTokenLimitMs = limitMs;
  return { ...deployment, timeouts: { ...deployment.timeouts, firstTokenMs: limitMs } };
}

/** The target with this attempt's trace headers, when tracing gave some (a copy: the deployment is shared). */
function tracedTarget(
  target: AttemptTarget,
  traceHeaders: Readonly<Record<string, string>> | undefined,
): AttemptTarget {
  return traceHeaders === undefined ? target : { ...target, traceHeaders };
}

/** Waits, unless the request is aborted first; says whether the wait completed. */
async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
