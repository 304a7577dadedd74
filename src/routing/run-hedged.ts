import { setTimeout as delay } from 'node:timers/promises';
import { DetourError } from '../core/index.js';
import type { AttemptInput } from '../providers/index.js';
import type { PlannedModel } from './plan.js';
import type { ExecuteOptions, HedgingOptions, Served } from './run-attempts.js';

/** One run of the attempt loop over some candidates, with its own abort signal. */
export type Run<T> = (
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions,
) => Promise<Served<T>>;

/** What a hedged request did, for metrics: whether a hedge went out, and whether it won. */
export interface HedgeReport {
  model: string;
  won: boolean;
}

/** Aborts a run that lost the race; its attempts count as abandoned, so no host is blamed for it. */
function lostRace(): DetourError {
  return new DetourError('internal_error', 'transport', 'another attempt answered first (hedge)', {
    status: 499,
  });
}

/** The candidates without the first run's first choice: the hedge goes elsewhere. */
function elsewhere(planned: readonly PlannedModel[], first: string): PlannedModel[] {
  return planned
    .map((model) => ({ ...model, deployments: model.deployments.filter((d) => d.deploymentId !== first) }))
    .filter((model) => model.deployments.length > 0);
}

/**
 * Runs a request with a hedge (DESIGN.md section 6, "Hedging"): the first run starts at once; if it
 * has not resolved (for a stream: no first content) after `waitMs` of its first deployment, a
 * second run starts on the other candidates, and whichever resolves first answers while the other
 * is aborted (its upstream request with it) and `discard`ed. A hedge is sent only while the model's
 * hedges stay under `maxShare` of its requests over the last minute and its retry budget has room.
 */
export async function runHedged<T>(
  planned: readonly PlannedModel[],
  input: AttemptInput,
  options: ExecuteOptions & { hedging: HedgingOptions },
  waitMs: number | undefined,
  run: Run<T>,
  discard: (result: T) => void,
  report?: (hedge: HedgeReport) => void,
): Promise<Served<T>> {
  const model = planned[0]?.model ?? '';
  const first = planned[0]?.deployments[0]?.deploymentId;
  const state = options.state;
  const clock = input.clock;
  state.hedgeShare(model).recordRequest(clock.now());
  const others = first === undefined ? [] : elsewhere(planned, first);
  const { hedging, ...plain } = options;
  if (waitMs === undefined || others.length === 0) return run(planned, input, plain);

  const firstAbort = new AbortController();
  const primary = run(
    planned,
    { ...input, signal: AbortSignal.any([input.signal, firstAbort.signal]) },
    plain,
  );
  const timer = new AbortController();
  const waited = delay(Math.max(hedging.floorMs, waitMs), 'hedge', { signal: timer.signal }).catch(
    () => 'settled',
  );
  const early = await Promise.race([
    primary.then(
      () => 'settled',
      () => 'settled',
    ),
    waited,
  ]);
  timer.abort();
  if (early === 'settled' || input.signal.aborted) return primary;
  const now = clock.now();
  const budget = state.budget(model);
  if (!state.hedgeShare(model).tryHedge(now, hedging.maxShare)) return primary;
  if (!budget.tryAcquire(now)) return primary;

  const hedgeAbort = new AbortController();
  const hedge = run(
    others,
    { ...input, signal: AbortSignal.any([input.signal, hedgeAbort.signal]) },
    { ...plain, sameRequest: true, hedge: true },
  );
  void hedge.then(
    () => budget.release(),
    () => budget.release(),
  );
  type Finished = { by: 'primary' | 'hedge'; served: Served<T> };
  let winner: Finished;
  try {
    winner = await Promise.any([
      primary.then((served): Finished => ({ by: 'primary', served })),
      hedge.then((served): Finished => ({ by: 'hedge', served })),
    ]);
  } catch {
    // Both failed: the first run's error is the one the client gets.
    return primary;
  }
  const loser = winner.by === 'primary' ? hedge : primary;
  (winner.by === 'primary' ? hedgeAbort : firstAbort).abort(lostRace());
  // A loser that still resolves (it got content in the same instant) is closed, never sent.
  void loser.then(
    (served) => discard(served.result),
    () => undefined,
  );
  report?.({ model, won: winner.by === 'hedge' });
  return winner.served;
}
