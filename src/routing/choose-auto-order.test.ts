import { describe, expect, it } from 'vitest';
import { type ChatRequest, ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { createProvider } from '../providers/index.js';
import { chooseAutoOrder } from './choose-auto-order.js';
import type { AutoPreference, TokenPrice } from './model-facts.js';
import { type ModelRoute, ModelTable } from './model-table.js';
import { RoutingState } from './routing-state.js';

const provider = createProvider('a', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });

function candidate(name: string, price: TokenPrice | undefined, contextWindow?: number): ModelRoute {
  return {
    name,
    deployments: [
      {
        modelName: name,
        provider,
        deploymentId: `a/${name}`,
        upstreamModel: name,
        timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
        ...(price === undefined ? {} : { price }),
        ...(contextWindow === undefined ? {} : { contextWindow }),
      },
    ],
    fallbacks: [],
    totalTimeoutMs: 10_000,
    strategy: 'priority',
  };
}

const request: ChatRequest = {
  model: 'auto',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
  metadata: {},
  vendorOptions: {},
};

function setUp() {
  const clock = new ManualClock(1_700_000_000_000);
  const state = new RoutingState({ health: new MemoryHealthStore({ clock }), clock, random: () => 0.5 });
  const table = new ModelTable([
    // cheap is the slowest, fast the priciest, middle second on both.
    candidate('cheap', { input: 0.1, output: 0.4 }),
    candidate('middle', { input: 1, output: 4 }, 8_000),
    candidate('fast', { input: 5, output: 20 }),
    candidate('unpriced', undefined),
  ]);
  const latencies: Record<string, number> = { cheap: 900, middle: 300, fast: 100, unpriced: 200 };
  for (const [name, latencyMs] of Object.entries(latencies)) {
    state.health.record({ deploymentId: `a/${name}`, at: clock.now(), result: 'success', latencyMs });
  }
  const order = (prefer: AutoPreference, among: string[], promptTokens?: number) =>
    chooseAutoOrder(candidate('auto', undefined), prefer, among, request, {
      table,
      state,
      now: clock.now(),
      promptTokens,
      roughPromptTokens: () => 10,
    });
  return { order, state, clock };
}

describe('chooseAutoOrder', () => {
  it('ranks by price with unpriced candidates last, by latency, and by the sum of both places', () => {
    const { order } = setUp();
    const all = ['unpriced', 'fast', 'middle', 'cheap'];
    expect(order('cost', all).models).toEqual(['cheap', 'middle', 'fast', 'unpriced']);
    expect(order('latency', all).models).toEqual(['fast', 'unpriced', 'middle', 'cheap']);
    // Places (cost + latency): unpriced 3 + 1, fast 2 + 0, middle 1 + 2, cheap 0 + 3; ties keep the given order.
    expect(order('balanced', all).models).toEqual(['fast', 'middle', 'cheap', 'unpriced']);
    expect(order('balanced', all).reason).toBe(
      'auto: best of cost and latency among [fast, middle, cheap, unpriced]',
    );
  });

  it('leaves out a candidate whose window the prompt does not fit and puts an ejected one last', () => {
    const { order, state, clock } = setUp();
    for (let failure = 0; failure < 5; failure += 1) {
      state.health.record({
        deploymentId: 'a/cheap',
        at: clock.now(),
        result: 'server_error',
        latencyMs: 10,
      });
    }
    const choice = order('cost', ['cheap', 'middle', 'fast'], 20_000);
    expect(choice.models).toEqual(['fast', 'cheap']);
    expect(choice.reason).toBe(
      'auto: cheapest among [fast]; skipped cheap (ejected), middle (window 8000 < ~20000 tokens)',
    );
  });
});
