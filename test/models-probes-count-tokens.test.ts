import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Stack, startStack } from './support/start-stack.js';

// The small public routes, field by field: `GET /v1/models` in both vendors' shapes, `/healthz` and
// `/readyz`, and `POST /v1/messages/count_tokens` with each way it can fail.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a:   { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: key-ant }
  gone: { protocol: anthropic-messages, baseUrl: 'http://127.0.0.1:9', apiKey: key-gone }
models:
  gpt:    { deployments: [ { provider: a, model: up-gpt } ], description: 'A chat model' }
  claude: { deployments: [ { provider: a, model: up-claude-a }, { provider: ant, model: up-claude } ] }
  lost:   { deployments: [ { provider: gone, model: up-lost } ] }
timeouts: { connect: 1s, firstToken: 300ms, idle: 300ms, total: 5s }
health: { probes: { enabled: false } }
`,
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
});

async function countTokens(body: unknown, raw = false) {
  const response = await fetch(`${stack.detour.url}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /v1/models', () => {
  it("lists every model in OpenAI's shape for an OpenAI client", async () => {
    const openai = new OpenAI({ baseURL: `${stack.detour.url}/v1`, apiKey: 'unused' });
    const page = await openai.models.list();
    expect(page.data).toEqual(
      ['gpt', 'claude', 'lost'].map((id) => ({
        id,
        object: 'model',
        created: 1_735_689_600,
        owned_by: 'detour',
      })),
    );
  });

  it("lists them in Anthropic's shape, with the description as display name, when anthropic-version is sent", async () => {
    const anthropic = new Anthropic({ baseURL: stack.detour.url, apiKey: 'unused' });
    const page = await anthropic.models.list();
    expect(page.data).toEqual([
      { type: 'model', id: 'gpt', display_name: 'A chat model', created_at: '2025-01-01T00:00:00.000Z' },
      { type: 'model', id: 'claude', display_name: 'claude', created_at: '2025-01-01T00:00:00.000Z' },
      { type: 'model', id: 'lost', display_name: 'lost', created_at: '2025-01-01T00:00:00.000Z' },
    ]);
    const raw = (await (
      await fetch(`${stack.detour.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })
    ).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ has_more: false, first_id: 'gpt', last_id: 'lost' });
  });
});

describe('probes', () => {
  it('says alive and ready with the number of models', async () => {
    const alive = await fetch(`${stack.detour.url}/healthz`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${stack.detour.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', models: 3 });
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('answers from the first Anthropic deployment, skipping the others, and names it', async () => {
    const { response, body } = await countTokens({
      model: 'claude',
      messages: [{ role: 'user', content: 'count these' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-detour-deployment')).toBe('ant/up-claude');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.input_tokens).toEqual(expect.any(Number));
  });

  it('refuses a body that is not a JSON object, and a missing model naming the field', async () => {
    for (const bad of ['[]', '"text"', 'null']) {
      const { response, body } = await countTokens(bad, true);
      expect(response.status).toBe(400);
      expect(body).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'request body must be a JSON object' },
      });
    }
    for (const model of [undefined, '', 7]) {
      const { response, body } = await countTokens({ model, messages: [] });
      expect(response.status).toBe(400);
      expect(body).toMatchObject({ error: { message: 'model: a model name is required' } });
    }
  });

  it('answers 404 for an unknown model and 501 for a model without an Anthropic deployment', async () => {
    const unknown = await countTokens({ model: 'nope', messages: [] });
    expect(unknown.response.status).toBe(404);
    expect(unknown.body).toMatchObject({
      error: { type: 'not_found_error', message: "The model 'nope' does not exist" },
    });
    const openaiOnly = await countTokens({ model: 'gpt', messages: [] });
    expect(openaiOnly.response.status).toBe(501);
    expect(openaiOnly.body).toMatchObject({
      error: { message: "count_tokens needs an Anthropic deployment; model 'gpt' has none" },
    });
  });

  it("passes the host's own refusal on as the client's error, classified", async () => {
    stack.sim.setFault({ host: 'ant', fault: { type: 'status', status: 429 } });
    const limited = await countTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(limited.response.status).toBe(429);
    expect(limited.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    stack.sim.clearFaults();
    stack.sim.setFault({ host: 'ant', fault: { type: 'status', status: 400 } });
    const refused = await countTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.response.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers a host that cannot be reached or never answers with a gateway error, not a crash', async () => {
    const unreachable = await countTokens({ model: 'lost', messages: [{ role: 'user', content: 'hi' }] });
    expect(unreachable.response.status).toBe(502);
    expect(unreachable.body).toMatchObject({
      type: 'error',
      error: { message: 'upstream connection failed: ECONNREFUSED' },
    });
    stack.sim.setFault({ host: 'ant', fault: { type: 'latency', ms: 2_000 } });
    const slow = await countTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(slow.response.status).toBe(504);
    expect(slow.body).toMatchObject({
      error: { message: 'count_tokens: upstream sent no answer within the first-token timeout' },
    });
  });
});

describe('GET /readyz with shared state configured', () => {
  it('stays 200 but says degraded, with the reason, while Redis cannot be reached', async () => {
    // Nothing listens on port 1: the replica serves on its local view.
    const alone = await startStack({
      config: (simUrl) => `
state: { redis: 'redis://127.0.0.1:1' }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  gpt: { deployments: [ { provider: a, model: up-gpt } ] }
health: { probes: { enabled: false } }
`,
    });
    try {
      await vi.waitFor(
        async () => {
          const ready = await fetch(`${alone.detour.url}/readyz`);
          expect(ready.status).toBe(200);
          expect(await ready.json()).toStrictEqual({
            status: 'degraded',
            models: 1,
            sharedState: 'unreachable',
            reason: "Redis unreachable: health, rate limits and budgets decided on this replica's local view",
          });
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      await alone.close();
    }
  });
});
