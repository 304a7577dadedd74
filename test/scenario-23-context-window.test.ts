import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// Scenario 23 (SCENARIOS.md): a host refuses a prompt as too long → the first fallback with a larger
// context window answers; a prompt estimated over a deployment's known window is never sent there;
// with no larger fallback the 400 goes back at once. One host per model, so the simulator's
// per-host counts are per-deployment counts.

let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

function contextConfig(simUrl: string): string {
  return `
providers:
  small: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/small/v1 }
  tiny: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/tiny/v1 }
  big: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/big }
  lone: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/lone/v1 }
  claude: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/claude }
  wide: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/wide/v1 }
models:
  m-small:
    deployments: [ { provider: small, model: up-small } ]
    contextWindow: 8000
    fallbacks: [m-tiny, m-big]
  m-tiny:
    deployments: [ { provider: tiny, model: up-tiny } ]
    contextWindow: 4000
  m-big:
    deployments: [ { provider: big, model: up-big } ]
    contextWindow: 200000
  m-lone:
    deployments: [ { provider: lone, model: up-lone } ]
    contextWindow: 8000
    fallbacks: [m-tiny]
  m-claude:
    deployments: [ { provider: claude, model: up-claude } ]
    contextWindow: 8000
    fallbacks: [m-wide]
  m-wide:
    deployments: [ { provider: wide, model: up-wide } ]
    contextWindow: 100000
health:
  ejection: { baseTime: 1h, maxTime: 1h, jitter: 0 }
  probes: { enabled: false }
status: { interval: 1h }
`;
}

const HOSTS = ['small', 'tiny', 'big', 'lone', 'claude', 'wide'] as const;

function callsPerHost(): Record<string, number> {
  return Object.fromEntries(HOSTS.map((host) => [host, upstreamCallsTo(stack, host)]));
}

function expectCalls(expected: Partial<Record<(typeof HOSTS)[number], number>>): void {
  expect(callsPerHost()).toEqual(Object.fromEntries(HOSTS.map((host) => [host, expected[host] ?? 0])));
}

const OPENAI_CONTEXT_FAULT = {
  type: 'status',
  status: 400,
  errorType: 'invalid_request_error',
  errorCode: 'context_length_exceeded',
  message:
    "This model's maximum context length is 8000 tokens. However, your messages resulted in 9000 tokens.",
} as const;

// About 12,000 o200k tokens ("word" and a space are one token each time): over 8,000 even after
// the margin, far under 200,000.
const LONG_PROMPT = 'word '.repeat(12_000);

beforeAll(async () => {
  stack = await startStack({ config: contextConfig });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  resetHealth(stack);
  stack.sim.resetStats();
});

describe('scenario 23: context window', () => {
  it('moves a prompt one host refused as too long to the first fallback with a larger window', async () => {
    stack.sim.setFault({ host: 'small', fault: OPENAI_CONTEXT_FAULT });
    const { data, response } = await openai.chat.completions
      .create({ model: 'm-small', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-detour-model')).toBe('m-big');
    // m-tiny comes first among the fallbacks but its window (4,000) is smaller than 8,000.
    expectCalls({ small: 1, big: 1 });
    expect(response.headers.get('x-detour-route-reason')).toBe(
      'context_length_exceeded at small/up-small; moved to m-big (window 200000)',
    );
    // A client error for that model says nothing about the host.
    expect(stack.detour.state.health.status('small/up-small').state).toBe('closed');
    expect(stack.detour.state.health.window('small/up-small').read(60_000).failures).toBe(0);
  });

  it("recognises Anthropic's 'prompt is too long' the same way, streaming too", async () => {
    stack.sim.setFault({
      host: 'claude',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'invalid_request_error',
        message: 'prompt is too long: 9120 tokens > 8000 maximum',
      },
    });
    const stream = await anthropic.messages.create({
      model: 'm-claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).not.toBe('');
    expectCalls({ claude: 1, wide: 1 });
  });

  it('never sends a prompt estimated over a deployment’s known window there', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'm-small', messages: [{ role: 'user', content: LONG_PROMPT }] })
      .withResponse();
    expect(response.headers.get('x-detour-model')).toBe('m-big');
    expectCalls({ big: 1 });
    expect(response.headers.get('x-detour-route-reason')).toMatch(
      /^skipped small\/up-small \(window 8000 < ~1\d{4} tokens\); skipped tiny\/up-tiny \(window 4000 < ~1\d{4} tokens\)$/,
    );
  });

  it('answers the 400 at once in the client’s format when no fallback has a larger window', async () => {
    stack.sim.setFault({ host: 'lone', fault: OPENAI_CONTEXT_FAULT });
    const error = await openai.chat.completions
      .create({ model: 'm-lone', messages: [{ role: 'user', content: 'hello' }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expectCalls({ lone: 1 });

    stack.sim.resetStats();
    stack.sim.setFault({
      host: 'claude',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'invalid_request_error',
        message: 'prompt is too long: 9120 tokens > 8000 maximum',
      },
    });
    stack.sim.setFault({ host: 'wide', fault: OPENAI_CONTEXT_FAULT });
    const refused = await anthropic.messages
      .create({ model: 'm-claude', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] })
      .catch((thrown: unknown) => thrown);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    // Each host refused once: the larger fallback was tried, and nothing after it.
    expectCalls({ claude: 1, wide: 1 });
  });

  it('refuses a prompt too long for every window without calling any host', async () => {
    const error = await openai.chat.completions
      .create({ model: 'm-lone', messages: [{ role: 'user', content: LONG_PROMPT }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expectCalls({});
  });
});
