import { DetourError, type FailureClass, toDetourError } from '../core/index.js';
import {
  type AttemptInput,
  type NonStreamResult,
  openStream,
  type StreamChunk,
  sendNonStream,
} from '../providers/index.js';
import { chooseFinalError } from './choose-final-error.js';
import type { Deployment } from './model-table.js';

/** What became of one attempt. */
export interface AttemptRecord {
  /** Deployment id. */
  deploymentId: string;
  /** `success`, or the failure class. */
  outcome: 'success' | FailureClass;
  /** The error, for failures. */
  error?: DetourError;
}

/** Notified of every attempt's outcome (health, metrics, logs hook in here). */
export type AttemptObserver = (deployment: Deployment, record: AttemptRecord) => void;

/** Limits of the attempt loop. */
export interface ExecuteOptions {
  /** At most this many attempts per request (DESIGN.md: 3). */
  maxAttempts: number;
  /** Called after each attempt. */
  onAttempt?: AttemptObserver;
}

/** A request that succeeded: who served it and what each attempt did. */
export interface Served<T> {
  /** The deployment that answered. */
  deployment: Deployment;
  /** Every attempt in order, the last being the success. */
  attempts: AttemptRecord[];
  /** The answer. */
  result: T;
}

/** A stream whose first content has arrived; `rest` yields what follows. */
export interface OpenedStream {
  /** Chunks held back until content arrived (start events, the first content). */
  head: StreamChunk[];
  /** The remainder; throws a DetourError when the stream breaks after content. */
  rest: AsyncGenerator<StreamChunk>;
}

/** Raised when every candidate failed; carries the attempts for headers and logs. */
export class AllAttemptsFailed extends DetourError {
  readonly attempts: AttemptRecord[];

  constructor(final: DetourError, attempts: AttemptRecord[]) {
    super(final.code, final.failureClass, final.message, {
      status: final.status,
      param: final.param,
      retryAfterMs: final.retryAfterMs,
      upstream: final.upstream,
      timeout: final.timeout,
    });
    this.attempts = attempts;
  }
}

/** Failures the same request must not be sent elsewhere for: the request itself is at fault. */
function stopsFailover(failureClass: FailureClass): boolean {
  return failureClass === 'client_error' || failureClass === 'content_policy';
}

async function runAttempts<T>(
  candidates: readonly Deployment[],
  input: AttemptInput,
  options: ExecuteOptions,
  attempt: (deployment: Deployment) => Promise<T>,
): Promise<Served<T>> {
  const attempts: AttemptRecord[] = [];
  const errors: DetourError[] = [];
  for (const deployment of candidates.slice(0, options.maxAttempts)) {
    if (input.signal.aborted) break;
    try {
      const result = await attempt(deployment);
      const record: AttemptRecord = { deploymentId: deployment.deploymentId, outcome: 'success' };
      attempts.push(record);
      options.onAttempt?.(deployment, record);
      return { deployment, attempts, result };
    } catch (thrown) {
      const error = toDetourError(thrown);
      const record: AttemptRecord = { deploymentId: deployment.deploymentId, outcome: error.failureClass, error };
      attempts.push(record);
      errors.push(error);
      options.onAttempt?.(deployment, record);
      if (stopsFailover(error.failureClass)) break;
    }
  }
  if (input.signal.aborted && input.signal.reason instanceof DetourError) errors.push(input.signal.reason);
  throw new AllAttemptsFailed(chooseFinalError(errors), attempts);
}

/** Tries the candidates in order until one answers a non-streaming request. */
export function executeNonStream(
  candidates: readonly Deployment[],
  input: AttemptInput,
  options: ExecuteOptions,
): Promise<Served<NonStreamResult>> {
  return runAttempts(candidates, input, options, (deployment) => sendNonStream(deployment, input));
}

/**
 * Tries the candidates in order until one stream delivers content. Until then the client has
 * received nothing, so any failure moves on to the next candidate invisibly (DESIGN.md section 3).
 */
export function executeStream(
  candidates: readonly Deployment[],
  input: AttemptInput,
  options: ExecuteOptions,
): Promise<Served<OpenedStream>> {
  return runAttempts(candidates, input, options, async (deployment) => {
    const stream = openStream(deployment, input);
    const head: StreamChunk[] = [];
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        head.push(next.value);
        if (next.value.content) break;
      }
    } catch (error) {
      await stream.return(undefined);
      throw error;
    }
    return { head, rest: stream };
  });
}
