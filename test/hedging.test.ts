import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OffsetClock } from './support/offset-clock.js';
import { resetHealth, type Stack, startStack } from './support/start-stack.js';

// Budgeted hedging (DESIGN.md section 6): a model that opted in sends a second attempt to another
// host once the first has taken longer than its own p95 time to first token; the first to deliver
// content answers and the other is aborted. Hedges never pass their share of the model's requests.

const clock = new OffsetClock();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  h: { deployments: [ { provider: a, model: up-h }, { provider: b, model: up-h } ], hedging: { maxShare: 0.05, floor: 50ms } }
  plain: { deployments: [ { provider: a, model: up-p }, { provider: b, model: up-p } ] }
retry: { budgetMinConcurrent: 100 }
timeouts: { firstToken: 20s }
health: { probes: { enabled: false } }
`,
    detour: { clock },
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  resetHealth(stack, clock);
});

const client = () => new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0 });

async function stream(model: string, text = 'echo: hedged answer') {
  const response = await client()
    .chat.completions.create({
      model,
      messages: [{ role: 'user', content: text }],
      stream: true,
    })
    .withResponse();
  let content = '';
  for await (const chunk of response.data) content += chunk.choices[0]?.delta.content ?? '';
  return { content, deployment: response.response.headers.get('x-detour-deployment') };
}

/** Twenty quick answers give a/up-h the baseline a hedge is timed by (read once a second). */
async function learnBaseline(model: string): Promise<void> {
  for (let index = 0; index < 20; index += 1) await stream(model);
  clock.advance(1_100);
}

describe('hedging', () => {
  it('answers from the second host when the first is slow, and aborts the first', async () => {
    await learnBaseline('h');
    stack.sim.resetStats();
    stack.sim.setFault({
      host: 'a',
      model: 'up-h',
      fault: { type: 'time_to_first_token', ms: 10_000 },
      times: 1,
    });
    const answer = await stream('h');
    expect(answer).toEqual({ content: 'hedged answer', deployment: 'b/up-h' });
    const stats = stack.sim.stats().hosts;
    expect(stats.a?.requests).toBe(1);
    expect(stats.b?.requests).toBe(1);
    // The losing request was cancelled upstream, not left running.
    await expect.poll(() => stack.sim.stats().hosts.a?.aborted).toBe(1);
    // A hedge that lost the race blames no host.
    const a = stack.detour.state.health.snapshot().find((deployment) => deployment.id === 'a/up-h');
    expect(a?.windows.oneMinute.failures).toBe(0);
    const metrics = await (await fetch(`${stack.detour.url}/metrics`)).text();
    expect(metrics).toContain('detour_hedges_total{model="h",outcome="won"} 1');
  });

  it('sends no hedge for a model that did not opt in', async () => {
    await learnBaseline('plain');
    stack.sim.resetStats();
    stack.sim.setFault({
      host: 'a',
      model: 'up-p',
      fault: { type: 'time_to_first_token', ms: 300 },
      times: 1,
    });
    expect(await stream('plain')).toEqual({ content: 'hedged answer', deployment: 'a/up-p' });
    expect(stack.sim.stats().hosts.b?.requests ?? 0).toBe(0);
  });

  it("keeps hedges within 5 % of the model's requests under a load of slow requests", async () => {
    await learnBaseline('h');
    stack.sim.resetStats();
    stack.sim.setFault({ host: 'a', model: 'up-h', fault: { type: 'time_to_first_token', ms: 300 } });
    const answers = await Promise.all(Array.from({ length: 80 }, () => stream('h')));
    expect(answers.every((answer) => answer.content === 'hedged answer')).toBe(true);
    // 100 requests in the minute (20 + 80): at most 5 hedges, each one call to b.
    const hedges = stack.sim.stats().hosts.b?.requests ?? 0;
    expect(hedges).toBeGreaterThan(0);
    expect(hedges).toBeLessThanOrEqual(5);
    expect(answers.filter((answer) => answer.deployment === 'b/up-h').length).toBeLessThanOrEqual(hedges);
  });
});
