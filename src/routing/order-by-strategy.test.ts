import { describe, expect, it } from 'vitest';
import { DetourError, ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { createProvider } from '../providers/index.js';
import { seededRandom } from '../sim/index.js';
import { AttemptSequence, type RetryPolicy } from './attempt-sequence.js';
import type { Deployment, RoutingStrategy } from './model-table.js';
import { RoutingState } from './routing-state.js';

const policy: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 500, backoffMaxMs: 8000, maxRetryAfterMs: 3000 };

function host(
  name: string,
  weight?: number,
  model = 'm',
  price?: { input: number; output: number },
): Deployment {
  return {
    ...(price === undefined ? {} : { price }),
    modelName: model,
    provider: createProvider(name, { protocol: 'openai-chat', baseUrl: `http://${name}.invalid/v1` }),
    deploymentId: `${name}/up-${model}`,
    upstreamModel: `up-${model}`,
    timeouts: { firstTokenMs: 1000, idleMs: 1000 },
    ...(weight === undefined ? {} : { weight }),
  };
}

function setup(random: () => number = () => 0.5) {
  const clock = new ManualClock();
  const health = new MemoryHealthStore({ clock, breaker: { random } });
  return { clock, health, state: new RoutingState({ health, clock, random }) };
}

/** The first deployment each of `count` fresh requests would try. */
function firstChoices(
  state: RoutingState,
  clock: ManualClock,
  strategy: RoutingStrategy,
  deployments: Deployment[],
  count: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < count; index += 1) {
    const sequence = new AttemptSequence([{ model: 'm', deployments, strategy }], state, policy, clock.now());
    const step = sequence.nextStep(clock.now());
    const id = step.type === 'attempt' ? step.deployment.deploymentId : step.type;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    sequence.finish(clock.now(), true);
  }
  return counts;
}

const serverError = new DetourError('upstream_server_error', 'server_error', 'boom');
// Never retried on the same host, so a single-host model moves straight on to its fallback.
const brokenBody = new DetourError('upstream_bad_response', 'bad_response', 'broken');

describe('AttemptSequence strategies', () => {
  it('cost: tries the cheapest priced deployment first, unpriced ones last, and health still wins', () => {
    const { clock, state, health } = setup();
    const dear = host('dear', undefined, 'm', { input: 3, output: 15 });
    const unpriced = host('unpriced');
    const cheap = host('cheap', undefined, 'm', { input: 1, output: 5 });
    const sequence = new AttemptSequence(
      [{ model: 'm', deployments: [unpriced, dear, cheap], strategy: 'cost' }],
      state,
      policy,
      clock.now(),
    );
    const order: string[] = [];
    let step = sequence.nextStep(clock.now());
    while (step.type === 'attempt') {
      order.push(step.deployment.deploymentId);
      step = sequence.nextStep(clock.now(), { deployment: step.deployment, error: brokenBody });
    }
    expect(order).toEqual(['cheap/up-m', 'dear/up-m', 'unpriced/up-m']);
    // An ejected cheap deployment is no longer first.
    for (let failure = 0; failure < 5; failure += 1)
      health.record({ deploymentId: 'cheap/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    expect(firstChoices(state, clock, 'cost', [unpriced, dear, cheap], 1)).toEqual(
      new Map([['dear/up-m', 1]]),
    );
  });

  it('weighted: splits first choices 3:1 exactly and fails over to the other', () => {
    const { clock, state } = setup();
    const a = host('a', 3);
    const b = host('b');
    expect(firstChoices(state, clock, 'weighted', [a, b], 400)).toEqual(
      new Map([
        ['a/up-m', 300],
        ['b/up-m', 100],
      ]),
    );
    const sequence = new AttemptSequence(
      [{ model: 'm', deployments: [a, b], strategy: 'weighted' }],
      state,
      policy,
      clock.now(),
    );
    const first = sequence.nextStep(clock.now());
    const second =
      first.type === 'attempt'
        ? sequence.nextStep(clock.now(), { deployment: first.deployment, error: serverError })
        : first;
    expect(
      [first, second].map((step) => step.type === 'attempt' && step.deployment.deploymentId).sort(),
    ).toEqual(['a/up-m', 'b/up-m']);
  });

  it('weighted: an ejected deployment gets nothing, whatever its weight', () => {
    const { clock, health, state } = setup();
    for (let index = 0; index < 5; index += 1)
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    expect(firstChoices(state, clock, 'weighted', [host('a', 9), host('b')], 50)).toEqual(
      new Map([['b/up-m', 50]]),
    );
  });

  it('weighted: a fallback model takes a turn of its rotation only when a request reaches it', () => {
    const { clock, state } = setup();
    const main = host('a');
    const fallback = [host('f', 1, 'other'), host('g', 1, 'other')];
    const planned = [
      { model: 'm', deployments: [main] },
      { model: 'other', deployments: fallback, strategy: 'weighted' as const },
    ];
    // Three requests served by the main model: the fallback's rotation must not move.
    for (let index = 0; index < 3; index += 1) {
      const sequence = new AttemptSequence(planned, state, policy, clock.now());
      sequence.nextStep(clock.now());
      sequence.finish(clock.now(), true);
    }
    const reached = [0, 1].map(() => {
      const sequence = new AttemptSequence(planned, state, policy, clock.now());
      sequence.nextStep(clock.now());
      const step = sequence.nextStep(clock.now(), { deployment: main, error: brokenBody });
      sequence.finish(clock.now(), true);
      return step.type === 'attempt' ? step.deployment.deploymentId : step.type;
    });
    expect(reached).toEqual(['f/up-other', 'g/up-other']);
  });

  it('weighted: a same-host retry in front of a fallback model leaves its rotation alone', () => {
    const { clock, state } = setup();
    const main = host('a');
    const planned = [
      { model: 'm', deployments: [main] },
      {
        model: 'other',
        deployments: [host('f', 1, 'other'), host('g', 1, 'other')],
        strategy: 'weighted' as const,
      },
    ];
    const retried = new AttemptSequence(planned, state, policy, clock.now());
    retried.nextStep(clock.now());
    const retry = retried.nextStep(clock.now(), { deployment: main, error: serverError });
    expect(retry.type === 'attempt' && retry.deployment.deploymentId).toBe('a/up-m');
    retried.finish(clock.now(), true);
    const failedOver = new AttemptSequence(planned, state, policy, clock.now());
    failedOver.nextStep(clock.now());
    const step = failedOver.nextStep(clock.now(), { deployment: main, error: brokenBody });
    expect(step.type === 'attempt' && step.deployment.deploymentId).toBe('f/up-other');
  });

  it('least-latency: prefers the faster deployment and still explores the slower one', () => {
    const { clock, health, state } = setup(seededRandom(11));
    const slow = host('slow');
    const fast = host('fast');
    for (let index = 0; index < 20; index += 1) {
      health.record({ deploymentId: 'slow/up-m', at: clock.now(), result: 'success', latencyMs: 300 });
      health.record({ deploymentId: 'fast/up-m', at: clock.now(), result: 'success', latencyMs: 5 });
    }
    const counts = firstChoices(state, clock, 'least-latency', [slow, fast], 1000);
    // 5 % exploration: about 50 of 1000 go to the slower host, the rest to the faster.
    expect(counts.get('slow/up-m')).toBeGreaterThan(25);
    expect(counts.get('slow/up-m')).toBeLessThan(75);
    expect((counts.get('fast/up-m') ?? 0) + (counts.get('slow/up-m') ?? 0)).toBe(1000);
  });

  it('least-latency: tries a deployment with no recent outcome first, to learn it', () => {
    const { clock, health, state } = setup(() => 0.5);
    health.record({ deploymentId: 'known/up-m', at: clock.now(), result: 'success', latencyMs: 5 });
    expect(firstChoices(state, clock, 'least-latency', [host('known'), host('new')], 1)).toEqual(
      new Map([['new/up-m', 1]]),
    );
  });

  it('priority: keeps config order whatever the weights and latencies', () => {
    const { clock, health, state } = setup();
    health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'success', latencyMs: 900 });
    health.record({ deploymentId: 'b/up-m', at: clock.now(), result: 'success', latencyMs: 5 });
    expect(firstChoices(state, clock, 'priority', [host('a', 1), host('b', 9)], 20)).toEqual(
      new Map([['a/up-m', 20]]),
    );
  });
});
