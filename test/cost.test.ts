import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeCost, formatCostUsd } from '../src/catalog/index.js';
import { resetHealth, type Stack, startStack } from './support/start-stack.js';

// x-detour-cost-usd end to end: usage × the answering deployment's price, on both surfaces, and
// a failed-over request charged only for the attempt that answered.

const PRICE_A = { input: 1, output: 2 };
const PRICE_B = { input: 3, output: 15 };

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
  c: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/c, apiKey: key-c }
models:
  m:
    deployments:
      - { provider: a, model: up-m, price: { input: ${PRICE_A.input}, output: ${PRICE_A.output} } }
      - { provider: b, model: up-m, price: { input: ${PRICE_B.input}, output: ${PRICE_B.output} } }
  claude-haiku-4.5:
    deployments: [ { provider: c, model: claude-haiku-4-5 } ]
  local:
    deployments: [ { provider: a, model: not-in-the-catalog } ]
`,
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  resetHealth(stack);
});

async function chat(model: string): Promise<{ response: Response; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: one two three' }] }),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

function usageOf(body: Record<string, unknown>) {
  const usage = body.usage as { prompt_tokens: number; completion_tokens: number };
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

describe('x-detour-cost-usd', () => {
  it("charges the answering deployment's price", async () => {
    const { response, body } = await chat('m');
    expect(response.headers.get('x-detour-deployment')).toBe('a/up-m');
    expect(response.headers.get('x-detour-cost-usd')).toBe(
      formatCostUsd(computeCost(usageOf(body), PRICE_A)),
    );
  });

  it('charges a failed-over request only for the attempt that answered', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const { response, body } = await chat('m');
    expect(response.headers.get('x-detour-attempts')).toBe('2');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
    const usage = usageOf(body);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(response.headers.get('x-detour-cost-usd')).toBe(formatCostUsd(computeCost(usage, PRICE_B)));
  });

  it("prices a catalog model at the catalog's price, on the Anthropic surface too", async () => {
    const response = await fetch(`${stack.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-haiku-4.5',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'echo: one two three' }],
      }),
    });
    const body = (await response.json()) as { usage: { input_tokens: number; output_tokens: number } };
    const usage = { inputTokens: body.usage.input_tokens, outputTokens: body.usage.output_tokens };
    expect(response.headers.get('x-detour-cost-usd')).toBe(
      formatCostUsd(computeCost(usage, { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 })),
    );
  });

  it('is absent when the deployment has no known price', async () => {
    const { response } = await chat('local');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-detour-cost-usd')).toBeNull();
  });

  it("records the answering attempt's cost in the request log, for a stream too", async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const { response, body } = await chat('m');
    const streamed = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'echo: one two three four' }],
      }),
    });
    const events = (await streamed.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
    const streamUsage = usageOf(
      events.findLast((event) => event.usage !== undefined && event.usage !== null)!,
    );
    await stack.detour.requestLog?.flush();
    const { rows } = await stack.detour.status.store.listRequestLogs({ limit: 100 });
    const rowOf = (id: string | null) => rows.find((row) => row.id === id);
    expect(rowOf(response.headers.get('x-request-id'))).toMatchObject({
      deployment: 'b/up-m',
      costUsd: computeCost(usageOf(body), PRICE_B),
    });
    expect(rowOf(streamed.headers.get('x-request-id'))).toMatchObject({
      deployment: 'b/up-m',
      costUsd: computeCost(streamUsage, PRICE_B),
    });
  });
});
