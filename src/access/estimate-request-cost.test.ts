import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/index.js';
import { createProvider } from '../providers/index.js';
import { type Deployment, type ModelRoute, ModelTable, promptTokensUpperBound } from '../routing/index.js';
import { DEFAULT_OUTPUT_ALLOWANCE, estimateRequest } from './estimate-request-cost.js';

const provider = createProvider('host', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });

function deployment(modelName: string, facts: Pick<Deployment, 'price' | 'maxOutput'> = {}): Deployment {
  return {
    modelName,
    provider,
    deploymentId: `host/${modelName}`,
    upstreamModel: modelName,
    timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
    ...facts,
  };
}

function route(name: string, deployments: Deployment[], extra: Partial<ModelRoute> = {}): ModelRoute {
  return { name, deployments, fallbacks: [], totalTimeoutMs: 30_000, strategy: 'priority', ...extra };
}

function request(model: string, maxTokens?: number): ChatRequest {
  return {
    model,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'How many tokens is this prompt, at most?' }] },
    ],
    stream: false,
    metadata: {},
    vendorOptions: {},
    ...(maxTokens === undefined ? {} : { maxTokens }),
  };
}

/** Estimates a request for the table's first model. */
function estimate(routes: ModelRoute[], maxTokens?: number) {
  const table = new ModelTable(routes);
  const first = routes[0];
  if (first === undefined) throw new Error('no route');
  return estimateRequest(table, first, request(first.name, maxTokens));
}

const BOUND = promptTokensUpperBound(request('m'));

describe('estimateRequest', () => {
  it('sizes the prompt by its bound and a quarter of it', () => {
    expect(BOUND).toBeGreaterThan(40);
    const result = estimate([route('m', [deployment('m')])], 10);
    expect(result.promptTokensBound).toBe(BOUND);
    expect(result.promptTokens).toBe(Math.ceil(BOUND / 4));
  });

  it('prices the prompt bound at the input price and max_tokens at the output price, per million', () => {
    const result = estimate([route('m', [deployment('m', { price: { input: 3, output: 15 } })])], 1_000);
    expect(result.outputTokens).toBe(1_000);
    expect(result.worstCaseUsd).toBe(Number(((BOUND * 3 + 1_000 * 15) / 1_000_000).toFixed(12)));
  });

  it('reserves the host’s maximum output when the request sets no max_tokens', () => {
    const result = estimate([
      route('m', [deployment('m', { price: { input: 0, output: 10 }, maxOutput: 8_192 })]),
    ]);
    expect(result.outputTokens).toBe(8_192);
    expect(result.worstCaseUsd).toBe(0.08192);
  });

  it('reserves 4096 output tokens when neither the request nor the host sets a maximum', () => {
    expect(DEFAULT_OUTPUT_ALLOWANCE).toBe(4_096);
    const result = estimate([route('m', [deployment('m', { price: { input: 0, output: 1_000 } })])]);
    expect(result.outputTokens).toBe(4_096);
    expect(result.worstCaseUsd).toBe(4.096);
  });

  it('takes max_tokens over the host’s maximum', () => {
    const result = estimate(
      [route('m', [deployment('m', { price: { input: 0, output: 1_000 }, maxOutput: 64_000 })])],
      100,
    );
    expect(result.outputTokens).toBe(100);
    expect(result.worstCaseUsd).toBe(0.1);
  });

  it('takes the priciest deployment and the largest output among them', () => {
    const cheapFirst = estimate([
      route('m', [
        deployment('m', { price: { input: 1, output: 1 }, maxOutput: 1_000 }),
        deployment('m', { price: { input: 100, output: 100 }, maxOutput: 2_000 }),
        deployment('m', { price: { input: 2, output: 2 }, maxOutput: 500 }),
      ]),
    ]);
    expect(cheapFirst.outputTokens).toBe(2_000);
    expect(cheapFirst.worstCaseUsd).toBe(Number(((BOUND * 100 + 2_000 * 100) / 1_000_000).toFixed(12)));
  });

  it('counts a cache-write or cached-input price above the input price as the prompt’s', () => {
    const cacheWrite = estimate(
      [route('m', [deployment('m', { price: { input: 3, output: 0, cacheWrite: 3.75, cachedInput: 0.3 } })])],
      1,
    );
    expect(cacheWrite.worstCaseUsd).toBe(Number(((BOUND * 3.75) / 1_000_000).toFixed(12)));
    const cachedInput = estimate(
      [route('m', [deployment('m', { price: { input: 1, output: 0, cachedInput: 2 } })])],
      1,
    );
    expect(cachedInput.worstCaseUsd).toBe(Number(((BOUND * 2) / 1_000_000).toFixed(12)));
    const inputOnly = estimate(
      [route('m', [deployment('m', { price: { input: 5, output: 0, cacheWrite: 1 } })])],
      1,
    );
    expect(inputOnly.worstCaseUsd).toBe(Number(((BOUND * 5) / 1_000_000).toFixed(12)));
  });

  it('adds nothing for a deployment without a price, but still its output', () => {
    const unpriced = estimate([route('m', [deployment('m', { maxOutput: 32_000 })])]);
    expect(unpriced.worstCaseUsd).toBe(0);
    expect(unpriced.outputTokens).toBe(32_000);
    const mixed = estimate([
      route('m', [
        deployment('m', { maxOutput: 32_000 }),
        deployment('m', { price: { input: 0, output: 1 } }),
      ]),
    ]);
    expect(mixed.worstCaseUsd).toBe(0.004096);
    expect(mixed.outputTokens).toBe(32_000);
  });

  it('reaches the fallbacks, and theirs', () => {
    const result = estimate(
      [
        route('m', [deployment('m', { price: { input: 0, output: 1 } })], { fallbacks: ['b'] }),
        route('b', [deployment('b', { price: { input: 0, output: 2 } })], { fallbacks: ['c'] }),
        route('c', [deployment('c', { price: { input: 0, output: 50 } })]),
        route('d', [deployment('d', { price: { input: 0, output: 1_000 } })]),
      ],
      1_000,
    );
    expect(result.worstCaseUsd).toBe(0.05);
  });

  it('reaches an auto model’s candidates', () => {
    const result = estimate([
      route('fast', [], { auto: { among: ['x', 'y'], prefer: 'cost' } }),
      route('x', [deployment('x', { price: { input: 0, output: 1 } })]),
      route('y', [deployment('y', { price: { input: 0, output: 7 }, maxOutput: 3_000 })]),
    ]);
    expect(result.worstCaseUsd).toBe(0.021);
    expect(result.outputTokens).toBe(4_096);
  });

  it('stops at fallback cycles and skips unknown models', () => {
    const result = estimate(
      [
        route('m', [deployment('m', { price: { input: 0, output: 1 } })], { fallbacks: ['b', 'missing'] }),
        route('b', [deployment('b', { price: { input: 0, output: 3 } })], { fallbacks: ['m', 'b'] }),
      ],
      1_000,
    );
    expect(result.worstCaseUsd).toBe(0.003);
  });

  it('estimates nothing for a model with nowhere to go, beyond max_tokens', () => {
    expect(estimate([route('m', [])], 50)).toEqual({
      promptTokensBound: BOUND,
      promptTokens: Math.ceil(BOUND / 4),
      outputTokens: 50,
      worstCaseUsd: 0,
    });
    expect(estimate([route('m', [])]).outputTokens).toBe(0);
  });

  it('rounds the worst case to twelve decimals', () => {
    const result = estimate([route('m', [deployment('m', { price: { input: 0, output: 0.1 } })])], 3);
    // 3 × 0.1 / 1e6 is 3.0000000000000004e-7 in binary.
    expect(result.worstCaseUsd).toBe(3e-7);
  });
});
