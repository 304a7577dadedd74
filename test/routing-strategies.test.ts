import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from './support/offset-clock.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The routing strategies end to end: upstream calls are counted by the simulator, per host.

let stack: Stack;
let client: OpenAI;

function strategiesConfig(simUrl: string): string {
  return `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
  slow: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/slow/v1 }
  fast: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/fast/v1 }
models:
  w:
    deployments:
      - { provider: a, model: up-w, weight: 3 }
      - { provider: b, model: up-w }
  quick:
    strategy: least-latency
    deployments:
      - { provider: slow, model: up-quick }
      - { provider: fast, model: up-quick }
routing: { strategy: weighted }
health:
  ejection: { baseTime: 1h, maxTime: 1h, jitter: 0 }
  probes: { enabled: false }
status: { interval: 1h }
`;
}

beforeAll(async () => {
  stack = await startStack({ config: strategiesConfig, detour: { random: seededRandom(5) } });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  resetHealth(stack);
  stack.sim.resetStats();
});

function upstreamCalls(host: string): number {
  return upstreamCallsTo(stack, host);
}

async function ask(model: string, times: number): Promise<void> {
  for (let index = 0; index < times; index += 1) {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  }
}

describe('routing strategies', () => {
  it('weighted: sends 3 of every 4 requests to the deployment of weight 3', async () => {
    await ask('w', 40);
    expect([upstreamCalls('a'), upstreamCalls('b')]).toEqual([30, 10]);
  });

  it('weighted: an ejected deployment receives nothing, however heavy', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    // Every request that picks a fails over to b; five failures in a row eject a.
    while (stack.detour.state.health.status('a/up-w').state !== 'open') await ask('w', 1);
    stack.sim.resetStats();
    await ask('w', 20);
    expect([upstreamCalls('a'), upstreamCalls('b')]).toEqual([0, 20]);
  });

  it('least-latency: prefers the faster host and still explores the slower one', async () => {
    stack.sim.setFault({ host: 'slow', fault: { type: 'latency', ms: 150 } });
    await ask('quick', 100);
    const slow = upstreamCalls('slow');
    // Configured first, the slow host gets the first request (it has no numbers yet), then only
    // the ~5 % exploration share: about 5 of 100, and at least one.
    expect(slow).toBeGreaterThan(1);
    expect(slow).toBeLessThan(15);
    expect(upstreamCalls('fast')).toBe(100 - slow);
  });
});
