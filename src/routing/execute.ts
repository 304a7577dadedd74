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
  /** When the attempt started (ms since epoch, from the gateway's clock). */
  startedAt: number;
  /** How long it took: to the whole answer, or for a stream to its end or failure. */
  latencyMs: number;
  /** For streams: time from the attempt's start to its first content. */
  timeToFirstTokenMs?: number;
}

/** Notified of every attempt's outcome (health, metrics, logs hook in here). */
export type AttemptObserver = (deployment: Deployment, record: AttemptRecord) => void;

/** Limits of the attempt loop. */
export interface ExecuteOptions {
  /** At most this many attempts per request (DESIGN.md: 3). */
  maxAttempts: number;
  /** Called after each attempt; for a stream that succeeded, when the stream ends. */
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

/** One attempt's own result, plus what the caller must record once the attempt is really over. */
interface AttemptOutcome<T> {
  result: T;
  /** For streams: recording waits for the end of the stream, which the wrapper does itself. */
  deferRecord?: boolean;
  timeToFirstTokenMs?: number;
}

async function runAttempts<T>(
  candidates: readonly Deployment[],
  input: AttemptInput,
  options: ExecuteOptions,
  attempt: (deployment: Deployment, startedAt: number) => Promise<AttemptOutcome<T>>,
): Promise<Served<T>> {
  const attempts: AttemptRecord[] = [];
  const errors: DetourError[] = [];
  const clock = input.clock;
  for (const deployment of candidates.slice(0, options.maxAttempts)) {
    if (input.signal.aborted) break;
    const startedAt = clock.now();
    try {
      const outcome = await attempt(deployment, startedAt);
      const record: AttemptRecord = {
        deploymentId: deployment.deploymentId,
        outcome: 'success',
        startedAt,
        latencyMs: clock.now() - startedAt,
      };
      if (outcome.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = outcome.timeToFirstTokenMs;
      attempts.push(record);
      if (!outcome.deferRecord) options.onAttempt?.(deployment, record);
      return { deployment, attempts, result: outcome.result };
    } catch (thrown) {
      const error = toDetourError(thrown);
      const record: AttemptRecord = {
        deploymentId: deployment.deploymentId,
        outcome: error.failureClass,
        error,
        startedAt,
        latencyMs: clock.now() - startedAt,
      };
      attempts.push(record);
      errors.push(error);
      // A request the client abandoned says nothing about the host.
      if (!input.signal.aborted || error.timeout === 'total') options.onAttempt?.(deployment, record);
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
  return runAttempts(candidates, input, options, async (deployment) => ({
    result: await sendNonStream(deployment, input),
  }));
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
  let served: Served<OpenedStream> | undefined;
  const promise = runAttempts(candidates, input, options, async (deployment, startedAt) => {
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
    const timeToFirstTokenMs = input.clock.now() - startedAt;
    const rest = recordWhenDone(stream, input, (outcome, error) => {
      const record = served?.attempts.at(-1);
      if (served === undefined || record === undefined) return;
      record.latencyMs = input.clock.now() - startedAt;
      if (outcome !== 'success') {
        record.outcome = outcome;
        if (error !== undefined) record.error = error;
      }
      options.onAttempt?.(deployment, record);
    });
    return { result: { head, rest }, deferRecord: true, timeToFirstTokenMs };
  });
  return promise.then((result) => {
    served = result;
    return result;
  });
}

/**
 * Passes a stream through and reports how it ended: success when it finished, the failure class
 * when it broke after content (that counts against the host), nothing when the client left.
 */
async function* recordWhenDone(
  stream: AsyncGenerator<StreamChunk>,
  input: AttemptInput,
  report: (outcome: AttemptRecord['outcome'], error?: DetourError) => void,
): AsyncGenerator<StreamChunk> {
  let finished = false;
  try {
    for await (const chunk of stream) yield chunk;
    finished = true;
    report('success');
  } catch (thrown) {
    finished = true;
    const error = toDetourError(thrown);
    if (!input.signal.aborted || error.timeout === 'total') report(error.failureClass, error);
    throw error;
  } finally {
    if (!finished) await stream.return(undefined);
  }
}
