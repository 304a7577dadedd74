import { type AttemptInput, type NonStreamResult, sendNonStream } from '../providers/index.js';
import { continueOnBreak } from './continue-stream.js';
import { costOf } from './meter-usage.js';
import type { PlannedModel } from './plan.js';
import { type ExecuteOptions, runAttempts, type Served } from './run-attempts.js';
import { type OpenedStream, streamAttempt } from './stream-attempt.js';

export {
  AllAttemptsFailed,
  type AttemptObserver,
  type AttemptRecord,
  type ExecuteOptions,
  type Served,
} from './run-attempts.js';
export type { OpenedStream } from './stream-attempt.js';

/** Tries the candidates in order until one answers a non-streaming request. */
export async function executeNonStream(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
): Promise<Served<NonStreamResult>> {
  const served = await runAttempts(planned, input, options, async ({ target }) => ({
    result: await sendNonStream(target, input),
  }));
  const cost = costOf(served.result.usage, served.deployment.price);
  if (cost !== undefined) served.cost = cost;
  return served;
}

/**
 * Tries the candidates in order until one stream delivers content. Until then the client has
 * received nothing, so any failure moves on to the next candidate invisibly (DESIGN.md section 3).
 * With `options.recovery`, a break after content goes on from another candidate (see
 * {@link continueOnBreak}); the text of each chunk is then tracked for the prefill.
 */
export async function executeStream(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
): Promise<Served<OpenedStream>> {
  const attemptInput: AttemptInput = options.recovery === undefined ? input : { ...input, trackText: true };
  // The stream's rest runs only after this resolves (generators are lazy), so `served` is set
  // by the time its end is metered.
  let served: Served<OpenedStream> | undefined;
  served = await runAttempts(planned, attemptInput, options, (context) =>
    streamAttempt(context, attemptInput, (usage, finished) => {
      const cost = usage.cost(context.deployment.price, finished);
      if (served !== undefined && cost !== undefined) served.cost = cost;
    }),
  );
  if (options.recovery !== undefined) {
    served.result = continueOnBreak(served, planned, attemptInput, options, options.recovery);
  }
  return served;
}
