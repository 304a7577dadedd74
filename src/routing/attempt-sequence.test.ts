import { describe, expect, it } from 'vitest';
import { DetourError, type FailureClass, ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { createProvider } from '../providers/index.js';
import { AttemptSequence, type NextStep, type RetryPolicy } from './attempt-sequence.js';
import type { Deployment } from './model-table.js';
import type { PlannedModel } from './plan.js';
import { RoutingState } from './routing-state.js';

const policy: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 500, backoffMaxMs: 8000, maxRetryAfterMs: 3000 };

function deployment(provider: string, model = 'm'): Deployment {
  return {
    modelName: model,
    provider: createProvider(provider, { protocol: 'openai-chat', baseUrl: `http://${provider}.invalid/v1` }),
    deploymentId: `${provider}/up-${model}`,
    upstreamModel: `up-${model}`,
    timeouts: { firstTokenMs: 1000, idleMs: 1000 },
  };
}

function setup(options: { random?: () => number; minConcurrent?: number; ejectionMs?: number } = {}) {
  const clock = new ManualClock();
  const random = options.random ?? (() => 0.5);
  const health = new MemoryHealthStore({
    clock,
    breaker: { ejection: { baseTime: options.ejectionMs ?? 1000, jitter: 0 }, random },
  });
  const state = new RoutingState({
    health,
    clock,
    random,
    budget: { ratio: 0.1, minConcurrent: options.minConcurrent ?? 3 },
  });
  return { clock, health, state };
}

function failure(failureClass: FailureClass, options: { retryAfterMs?: number; shouldRetry?: boolean } = {}) {
  return new DetourError('upstream_server_error', failureClass, failureClass, options);
}

function ids(steps: NextStep[]): string[] {
  return steps.map((step) => (step.type === 'attempt' ? step.deployment.deploymentId : step.type));
}

/** Runs a sequence where every attempt fails with `error`, collecting the steps. */
function runFailing(sequence: AttemptSequence, now: number, error: DetourError): NextStep[] {
  const steps: NextStep[] = [];
  let step = sequence.nextStep(now);
  steps.push(step);
  while (step.type === 'attempt') {
    step = sequence.nextStep(now, { deployment: step.deployment, error });
    steps.push(step);
  }
  return steps;
}

const a = deployment('a');
const b = deployment('b');
const c = deployment('c');
const fallback = deployment('f', 'other');

describe('AttemptSequence', () => {
  it('tries each deployment once at once, then the fallback model, within the attempt limit', () => {
    const { clock, state } = setup();
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a, b] },
      { model: 'other', deployments: [fallback] },
    ];
    const steps = runFailing(
      new AttemptSequence(planned, state, policy, clock.now()),
      clock.now(),
      failure('server_error'),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'b/up-m', 'f/up-other', 'done']);
    expect(steps.every((step) => step.type !== 'attempt' || step.delayMs === 0)).toBe(true);
  });

  it('retries the same host once, with full jitter, only when the model has no other deployment', () => {
    const { clock, state } = setup({ random: () => 0.5 });
    const steps = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('overloaded'),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'a/up-m', 'done']);
    // Full jitter: random × min(cap, base) = 0.5 × 500.
    expect(steps[1]?.type === 'attempt' && steps[1].delayMs).toBe(250);
  });

  it('waits out a short advertised retry-after, and gives up on a long one', () => {
    const { clock, state } = setup();
    const short = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('rate_limited', { retryAfterMs: 2000 }),
    );
    expect(short[1]?.type === 'attempt' && short[1].delayMs).toBe(2000);
    const long = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('rate_limited', { retryAfterMs: 30_000 }),
    );
    expect(ids(long)).toEqual(['a/up-m', 'done']);
  });

  it('never retries a silent host, nor one that said x-should-retry: false', () => {
    const { clock, state } = setup();
    for (const error of [
      failure('timeout'),
      failure('server_error', { shouldRetry: false }),
      failure('bad_response'),
    ]) {
      const steps = runFailing(
        new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
        clock.now(),
        error,
      );
      expect(ids(steps)).toEqual(['a/up-m', 'done']);
    }
  });

  it('moves on from a silent host that dropped the connection, but retries a quick reset', () => {
    const { clock, state } = setup();
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a] },
      { model: 'other', deployments: [fallback] },
    ];
    const silent = new AttemptSequence(planned, state, policy, clock.now());
    const first = silent.nextStep(clock.now());
    expect(first.type === 'attempt' && first.deployment).toBe(a);
    const afterSilence = silent.nextStep(clock.now(), {
      deployment: a,
      error: failure('transport'),
      silent: true,
    });
    expect(afterSilence.type === 'attempt' && afterSilence.deployment).toBe(fallback);

    const quick = new AttemptSequence(planned, state, policy, clock.now());
    quick.nextStep(clock.now());
    const afterReset = quick.nextStep(clock.now(), { deployment: a, error: failure('transport') });
    expect(afterReset.type === 'attempt' && afterReset.deployment).toBe(a);
    expect(afterReset.type === 'attempt' && afterReset.delayMs).toBe(250);
  });

  it('does not retry the same host after a peer already failed', () => {
    const { clock, state } = setup();
    const steps = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now()),
      clock.now(),
      failure('server_error'),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'b/up-m', 'done']);
  });

  it('puts an ejected deployment out of the order and a demoted one behind its peers', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'overloaded', latencyMs: 1 });
    }
    expect(health.status('a/up-m').state).toBe('open');
    const steps = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a, b, c] }], state, policy, clock.now()),
      clock.now(),
      failure('server_error'),
    );
    expect(ids(steps)).toEqual(['b/up-m', 'c/up-m', 'done']);
  });

  it('stops failing over when the retry budget is spent', () => {
    const { clock, state } = setup({ minConcurrent: 1 });
    const first = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
    const second = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
    const error = failure('server_error');
    expect(ids([first.nextStep(clock.now()), first.nextStep(clock.now(), { deployment: a, error })])).toEqual(
      ['a/up-m', 'b/up-m'],
    );
    // The first request still holds the only retry slot.
    expect(
      ids([second.nextStep(clock.now()), second.nextStep(clock.now(), { deployment: a, error })]),
    ).toEqual(['a/up-m', 'done']);
    first.finish(clock.now(), true);
    const third = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
    third.nextStep(clock.now());
    expect(third.nextStep(clock.now(), { deployment: a, error }).type).toBe('attempt');
  });

  it('hands out half-open trials, at most the configured number at once', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'overloaded', latencyMs: 1 });
    }
    clock.advance(1001);
    const steps = Array.from({ length: 4 }, () =>
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()).nextStep(
        clock.now(),
      ),
    );
    expect(steps.slice(0, 3).every((step) => step.type === 'attempt' && step.lease !== undefined)).toBe(true);
    // The fourth finds no trial slot: the half-open host is not flooded; the request is shed.
    expect(steps[3]?.type).toBe('shed');
  });

  it('steps the health of every deployment it ranks forward, not only the one it sends to', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'overloaded', latencyMs: 1 });
    }
    clock.advance(1001);
    const machine = () => health.exportState().deployments['a/up-m']?.breaker.machine.state;
    expect(machine()).toBe('open');
    const sequence = new AttemptSequence([{ model: 'm', deployments: [b, a] }], state, policy, clock.now());
    expect(ids([sequence.nextStep(clock.now())])).toEqual(['b/up-m']);
    expect(machine()).toBe('half_open');
  });

  it('gives a trial lease back when the retry budget refuses the trial it was taken for', () => {
    const { clock, health, state } = setup({ minConcurrent: 1 });
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'b/up-m', at: clock.now(), result: 'overloaded', latencyMs: 1 });
    }
    clock.advance(1001);
    const error = failure('server_error');
    // Another request holds the only retry slot.
    const other = new AttemptSequence([{ model: 'm', deployments: [a, c] }], state, policy, clock.now());
    other.nextStep(clock.now());
    expect(other.nextStep(clock.now(), { deployment: a, error }).type).toBe('attempt');
    const sequence = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
    expect(ids([sequence.nextStep(clock.now())])).toEqual(['a/up-m']);
    expect(sequence.nextStep(clock.now(), { deployment: a, error })).toEqual({
      type: 'done',
      reason: 'budget',
    });
    expect(health.status('b/up-m')).toMatchObject({ state: 'half_open', trialsAvailable: 3 });
  });

  it('in panic sends to the deployment ejected longest ago, and sheds as the throttle rises', () => {
    const { clock, health, state } = setup({ random: () => 0.5 });
    for (const id of ['a/up-m', 'b/up-m']) {
      for (let index = 0; index < 5; index += 1)
        health.record({ deploymentId: id, at: clock.now(), result: 'server_error', latencyMs: 1 });
      clock.advance(10);
    }
    const first = new AttemptSequence([{ model: 'm', deployments: [b, a] }], state, policy, clock.now());
    const step = first.nextStep(clock.now());
    expect(step).toMatchObject({ type: 'attempt', panic: true });
    expect(step.type === 'attempt' && step.deployment.deploymentId).toBe('a/up-m');
    first.finish(clock.now(), false);
    // Requests that were not accepted push the reject probability up: (n − 2·0)/(n + 1) > 0.5.
    const outcomes: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const sequence = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
      outcomes.push(sequence.nextStep(clock.now()).type);
      sequence.finish(clock.now(), false);
    }
    expect(outcomes.at(-1)).toBe('shed');
  });

  it('marks only the panic choice as panic: not a first choice, a same-host retry or a trial', () => {
    const { clock, health, state } = setup();
    const retried = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('overloaded'),
    );
    expect(retried.slice(0, 2)).toMatchObject([
      { type: 'attempt', panic: false },
      { type: 'attempt', panic: false },
    ]);
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'b/up-m', at: clock.now(), result: 'overloaded', latencyMs: 1 });
    }
    clock.advance(1001);
    const trial = new AttemptSequence(
      [{ model: 'm', deployments: [b] }],
      state,
      policy,
      clock.now(),
    ).nextStep(clock.now());
    expect(trial).toMatchObject({ type: 'attempt', panic: false });
    expect(trial.type === 'attempt' && trial.lease).toBeDefined();
  });

  it('waits out a retry-after of exactly the longest it will wait', () => {
    const { clock, state } = setup();
    const steps = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('rate_limited', { retryAfterMs: policy.maxRetryAfterMs }),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'a/up-m', 'done']);
  });

  it('retries a rate-limited host that is cooling down, but not one whose breaker just opened', () => {
    const { clock, health, state } = setup();
    const limited = new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now());
    limited.nextStep(clock.now());
    health.record({
      deploymentId: 'a/up-m',
      at: clock.now(),
      result: 'rate_limited',
      latencyMs: 1,
      retryAfterMs: 1000,
    });
    expect(health.status('a/up-m').admission).toBe('no');
    const error = failure('rate_limited', { retryAfterMs: 1000 });
    expect(limited.nextStep(clock.now(), { deployment: a, error })).toMatchObject({
      type: 'attempt',
      delayMs: 1000,
    });

    const broken = new AttemptSequence([{ model: 'm', deployments: [b] }], state, policy, clock.now());
    broken.nextStep(clock.now());
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'b/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    }
    expect(health.status('b/up-m').state).toBe('open');
    expect(broken.nextStep(clock.now(), { deployment: b, error: failure('server_error') }).type).toBe('done');
  });

  it('never retries the panic choice, even after a short rate limit', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    }
    const steps = runFailing(
      new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now()),
      clock.now(),
      failure('rate_limited', { retryAfterMs: 100 }),
    );
    expect(steps[0]).toMatchObject({ type: 'attempt', panic: true });
    expect(ids(steps)).toEqual(['a/up-m', 'done']);
  });

  it('doubles the back-off cap for the second host retried in one request', () => {
    const { clock, state } = setup({ random: () => 0.5 });
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a] },
      { model: 'other', deployments: [fallback] },
    ];
    const steps = runFailing(
      new AttemptSequence(planned, state, { ...policy, maxAttempts: 5 }, clock.now()),
      clock.now(),
      failure('server_error'),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'a/up-m', 'f/up-other', 'f/up-other', 'done']);
    // 0.5 × min(8000, 500 × 2^0), then 0.5 × min(8000, 500 × 2^1).
    expect(steps.map((step) => (step.type === 'attempt' ? step.delayMs : -1))).toEqual([0, 250, 0, 500, -1]);
  });

  it('retries a fallback model’s only host even when the requested model had several', () => {
    const { clock, state } = setup();
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a, b] },
      { model: 'other', deployments: [fallback] },
    ];
    const steps = runFailing(
      new AttemptSequence(planned, state, { ...policy, maxAttempts: 5 }, clock.now()),
      clock.now(),
      failure('server_error'),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'b/up-m', 'f/up-other', 'f/up-other', 'done']);
  });

  it('tries a deployment shared by the requested and a fallback model once', () => {
    const { clock, state } = setup();
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a] },
      { model: 'other', deployments: [a, fallback] },
    ];
    const steps = runFailing(
      new AttemptSequence(planned, state, policy, clock.now()),
      clock.now(),
      failure('server_error', { shouldRetry: false }),
    );
    expect(ids(steps)).toEqual(['a/up-m', 'f/up-other', 'done']);
  });

  it('prefers a healthy fallback model to panic on the requested model', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    }
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a] },
      { model: 'other', deployments: [fallback] },
    ];
    const step = new AttemptSequence(planned, state, policy, clock.now()).nextStep(clock.now());
    expect(step).toMatchObject({ type: 'attempt', panic: false });
    expect(ids([step])).toEqual(['f/up-other']);
  });

  it('sheds with a retry-after of the time left in the ejection, naming the model', () => {
    const { clock, health, state } = setup({ ejectionMs: 30_000 });
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    }
    clock.advance(10_000);
    health.advance(clock.now());
    // Each unserved panic request raises the throttle until it sheds.
    let step: NextStep | undefined;
    for (let index = 0; index < 10 && step?.type !== 'shed'; index += 1) {
      const sequence = new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now());
      step = sequence.nextStep(clock.now());
      sequence.finish(clock.now(), false);
    }
    expect(step?.type).toBe('shed');
    if (step?.type !== 'shed') return;
    expect(step.error.retryAfterMs).toBe(20_000);
    expect(step.error.message).toContain("'m'");
  });

  it('hasAlternativeTo: an untried, admitted candidate on another host, within the attempt limit', () => {
    const { clock, health, state } = setup();
    const planned: PlannedModel[] = [
      { model: 'm', deployments: [a, b] },
      { model: 'other', deployments: [fallback] },
    ];
    const sequence = new AttemptSequence(planned, state, policy, clock.now());
    sequence.nextStep(clock.now());
    expect(sequence.hasAlternativeTo(a)).toBe(true);
    // b ejected meanwhile: the fallback model still counts.
    for (let index = 0; index < 5; index += 1)
      health.record({ deploymentId: b.deploymentId, at: clock.now(), result: 'server_error', latencyMs: 1 });
    expect(sequence.hasAlternativeTo(a)).toBe(true);
    // On the fallback, the last candidate: nothing is left behind it.
    sequence.nextStep(clock.now(), { deployment: a, error: failure('server_error') });
    expect(sequence.hasAlternativeTo(fallback)).toBe(false);

    const alone = new AttemptSequence([{ model: 'm', deployments: [a] }], state, policy, clock.now());
    alone.nextStep(clock.now());
    expect(alone.hasAlternativeTo(a)).toBe(false);
  });

  it('hasAlternativeTo: none on the last attempt the limit allows, nor behind ejected candidates', () => {
    const { clock, health, state } = setup();
    const limited = new AttemptSequence(
      [{ model: 'm', deployments: [a, b] }],
      state,
      { ...policy, maxAttempts: 1 },
      clock.now(),
    );
    limited.nextStep(clock.now());
    expect(limited.hasAlternativeTo(a)).toBe(false);
    const sequence = new AttemptSequence([{ model: 'm', deployments: [a, b] }], state, policy, clock.now());
    sequence.nextStep(clock.now());
    for (let index = 0; index < 5; index += 1)
      health.record({ deploymentId: b.deploymentId, at: clock.now(), result: 'server_error', latencyMs: 1 });
    expect(sequence.hasAlternativeTo(a)).toBe(false);
  });
});
