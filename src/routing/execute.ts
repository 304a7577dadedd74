import { type AttemptInput, type NonStreamResult, sendNonStream } from '../providers/index.js';
import { continueOnBreak } from './continue-stream.js';
import { costOf } from './meter-usage.js';
import type { PlannedModel } from './plan.js';
import type { RoutingState } from './routing-state.js';
import { type ExecuteOptions, type HedgingOptions, runAttempts, type Served } from './run-attempts.js';
import { runHedged } from './run-hedged.js';
import { type OpenedStream, streamAttempt } from './stream-attempt.js';

export {
  AllAttemptsFailed,
  type AttemptObserver,
  type AttemptRecord,
  type AttemptStartObserver,
  type ExecuteOptions,
  type Served,
} from './run-attempts.js';
export type { HedgeReport } from './run-hedged.js';
export type { OpenedStream } from './stream-attempt.js';

/** Fewest samples of a deployment's timings before a hedge may be timed by them. */
const HEDGE_MIN_SAMPLES = 20;

/**
 * How long a request waits before it is hedged: its first deployment's own p95 time to first token
 * (streams) or p95 latency (complete answers) over the last five minutes; undefined — no hedge —
 * while the deployment has too few samples to know what is slow for it.
 */
function hedgeWait(
  planned: readonly PlannedModel[],
  state: RoutingState,
  stream: boolean,
): number | undefined {
  const first = planned[0]?.deployments[0];
  if (first === undefined) return undefined;
  if (stream) {
    const baseline = state.health.firstTokenBaseline(first.deploymentId);
    return baseline === undefined || baseline.samples < HEDGE_MIN_SAMPLES ? undefined : baseline.p95Ms;
  }
  const recent = state.health.window(first.deploymentId).read(300_000);
  return recent.latencyP95 === null || recent.total < HEDGE_MIN_SAMPLES ? undefined : recent.latencyP95;
}

/** Runs `run` plainly, or hedged when the model opted in. */
function maybeHedged<T>(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
  run: (planned: readonly PlannedModel[], input: AttemptInput, options: ExecuteOptions) => Promise<Served<T>>,
  discard: (result: T) => void,
): Promise<Served<T>> {
  const hedging: HedgingOptions | undefined = options.hedging;
  if (hedging === undefined) return run(planned, input, options);
  const wait = hedgeWait(planned, options.state, input.request.stream === true);
  return runHedged(planned, input, { ...options, hedging }, wait, run, discard, options.onHedge);
}

/** Tries the candidates in order until one answers a non-streaming request. */
export async function executeNonStream(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
): Promise<Served<NonStreamResult>> {
  const served = await maybeHedged(
    planned,
    input,
    options,
    (models, runInput, runOptions) =>
      runAttempts(models, runInput, runOptions, async ({ target }) => ({
        result: await sendNonStream(target, runInput),
      })),
    () => undefined,
  );
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
  const runStream = async (
    models: readonly PlannedModel[],
    runInput: AttemptInput,
    runOptions: ExecuteOptions,
  ): Promise<Served<OpenedStream>> => {
    // The stream's rest runs only after this resolves (generators are lazy), so `served` is set
    // by the time its end is metered.
    let served: Served<OpenedStream> | undefined;
    served = await runAttempts(models, runInput, runOptions, (context) =>
      streamAttempt(context, runInput, (usage, finished) => {
        const cost = usage.cost(context.deployment.price, finished);
        if (served !== undefined && cost !== undefined) served.cost = cost;
      }),
    );
    return served;
  };
  const served = await maybeHedged(planned, attemptInput, options, runStream, (result) => {
    void result.rest.return(undefined);
  });
  if (options.recovery !== undefined) {
    served.result = continueOnBreak(served, planned, attemptInput, options, options.recovery);
  }
  return served;
}
