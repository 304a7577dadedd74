import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelFacts, ModelFactsLookup } from '../src/server/index.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// `auto` models end to end (DESIGN.md section 10): the request's needs filter the candidates, health
// skips the ejected, price ranks the rest, and the answer says which model served it and why.

let stack: Stack;
let client: OpenAI;

// One host per candidate model, so per-host counts are per-model counts.
function autoConfig(simUrl: string): string {
  return `
providers:
  h-notools: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/h-notools/v1 }
  h-eyeless: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/h-eyeless/v1 }
  h-mid: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/h-mid/v1 }
  h-pricey: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/h-pricey/v1 }
models:
  notools: { deployments: [ { provider: h-notools, model: up-notools } ] }
  eyeless: { deployments: [ { provider: h-eyeless, model: up-eyeless } ] }
  mid: { deployments: [ { provider: h-mid, model: up-mid } ] }
  pricey: { deployments: [ { provider: h-pricey, model: up-pricey } ] }
  fast:
    auto: { among: [pricey, notools, mid, eyeless], prefer: cost }
    description: the cheapest model that can do the job
health:
  ejection: { baseTime: 1h, maxTime: 1h, jitter: 0 }
  probes: { enabled: false }
status: { interval: 1h }
`;
}

const all = { tools: true, parallelTools: true, jsonSchema: true, vision: true, reasoning: false };

/** What a catalog would say: prices per million tokens, and who lacks what. */
const FACTS: Record<string, ModelFacts> = {
  notools: { capabilities: { ...all, tools: false }, price: { input: 0.05, output: 0.2 } },
  eyeless: { capabilities: { ...all, vision: false }, price: { input: 0.3, output: 1.2 } },
  mid: { capabilities: { ...all, jsonSchema: false }, price: { input: 1, output: 4 } },
  pricey: { capabilities: { ...all, jsonSchema: false }, price: { input: 5, output: 20 } },
};

const modelFacts: ModelFactsLookup = (model) => FACTS[model];

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'lookup',
      description: 'Looks a word up',
      parameters: { type: 'object', properties: {} },
    },
  },
];

const IMAGE: OpenAI.Chat.Completions.ChatCompletionContentPart = {
  type: 'image_url',
  image_url: {
    url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  },
};

beforeAll(async () => {
  stack = await startStack({ config: autoConfig, detour: { modelFacts } });
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

function calls(): Record<string, number> {
  return Object.fromEntries(
    ['h-notools', 'h-eyeless', 'h-mid', 'h-pricey'].map((host) => [host, upstreamCallsTo(stack, host)]),
  );
}

async function ask(body: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming>) {
  return client.chat.completions
    .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...body })
    .withResponse();
}

describe('auto models', () => {
  it('picks the cheapest candidate of all when the request needs nothing special', async () => {
    const { response } = await ask({});
    expect(response.headers.get('x-detour-model')).toBe('notools');
    expect(response.headers.get('x-detour-route-reason')).toBe(
      'auto: cheapest among [notools, eyeless, mid, pricey]',
    );
    expect(calls()).toEqual({ 'h-notools': 1, 'h-eyeless': 0, 'h-mid': 0, 'h-pricey': 0 });
  });

  it('picks the cheapest candidate that supports tools when the request has tools, and says why', async () => {
    const { response } = await ask({ tools: TOOLS });
    expect(response.headers.get('x-detour-model')).toBe('eyeless');
    expect(response.headers.get('x-detour-route-reason')).toBe(
      'auto: cheapest with tools among [eyeless, mid, pricey]; skipped notools (no tools)',
    );
    expect(calls()).toEqual({ 'h-notools': 0, 'h-eyeless': 1, 'h-mid': 0, 'h-pricey': 0 });
  });

  it('skips an ejected candidate and names it in the reason', async () => {
    stack.sim.setFault({ host: 'h-mid', fault: { type: 'status', status: 500 } });
    while (stack.detour.state.health.status('h-mid/up-mid').state !== 'open') {
      await client.chat.completions
        .create({ model: 'mid', messages: [{ role: 'user', content: 'hi' }] })
        .catch(() => undefined);
    }
    stack.sim.resetStats();
    const { response } = await ask({
      tools: TOOLS,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, IMAGE] }],
    });
    expect(response.headers.get('x-detour-model')).toBe('pricey');
    expect(response.headers.get('x-detour-route-reason')).toBe(
      'auto: cheapest with tools and vision among [pricey]; skipped notools (no tools), mid (ejected), eyeless (no vision)',
    );
    expect(calls()).toEqual({ 'h-notools': 0, 'h-eyeless': 0, 'h-mid': 0, 'h-pricey': 1 });
  });

  it('falls through the ranked candidates when the first one fails, as through fallbacks', async () => {
    stack.sim.setFault({ host: 'h-eyeless', fault: { type: 'status', status: 503 } });
    const { response } = await ask({ tools: TOOLS });
    expect(response.headers.get('x-detour-model')).toBe('mid');
    // A model with one deployment gets one same-host retry before the next model (DESIGN.md §6).
    expect(response.headers.get('x-detour-attempts')).toBe('3');
    expect(calls()).toEqual({ 'h-notools': 0, 'h-eyeless': 2, 'h-mid': 1, 'h-pricey': 0 });
  });

  it('refuses a request no candidate can serve, naming why each was left out, without calling a host', async () => {
    const error = await client.chat.completions
      .create({
        model: 'fast',
        tools: TOOLS,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, IMAGE] }],
      })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "no candidate of 'fast' can serve this request: pricey (no json schema), notools (no tools), mid (no json schema), eyeless (no vision)",
    );
    expect(calls()).toEqual({ 'h-notools': 0, 'h-eyeless': 0, 'h-mid': 0, 'h-pricey': 0 });
  });

  it('is listed by /v1/models', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('fast');
  });
});
