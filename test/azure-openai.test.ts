import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// Issue 10, deliverable 5: Azure OpenAI hosts behind Detour, driven by the official OpenAI and
// Anthropic SDKs against the simulator's Azure routes (deployment URLs and the v1 endpoint).

const KEYS = {
  east: 'az-east-secret-key-0001',
  west: 'az-west-secret-key-0002',
  v1: 'az-v1-secret-key-0003',
  // The simulator rejects any key that starts with `bad`.
  bad: 'bad-az-secret-key-0004',
} as const;
const ADMIN_KEY = 'admin-secret-azure';

function azureConfig(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
providers:
  az-east: { protocol: azure-openai, baseUrl: ${simUrl}/hosts/az-east, apiKey: ${KEYS.east} }
  az-west: { protocol: azure-openai, baseUrl: ${simUrl}/hosts/az-west, apiKey: ${KEYS.west}, apiVersion: 2025-04-01-preview }
  az-v1:   { protocol: azure-openai, baseUrl: ${simUrl}/hosts/az-v1/openai/v1, apiKey: ${KEYS.v1} }
  az-bad:  { protocol: azure-openai, baseUrl: ${simUrl}/hosts/az-bad, apiKey: ${KEYS.bad} }
models:
  gpt:
    deployments:
      - { provider: az-east, model: prod-gpt }
      - { provider: az-west, model: prod-gpt }
  gpt-v1:
    deployments:
      - { provider: az-v1, model: gpt-4o }
  guarded:
    deployments:
      - { provider: az-bad,  model: prod-gpt }
      - { provider: az-west, model: prod-gpt }
timeouts: { connect: 1s, firstToken: 2s, idle: 2s, total: 10s }
health:
  probes: { enabled: false }
`;
}

// Detour's clock stands still, so a cool-down is exactly the advertised time from now.
const clock = new ManualClock();
let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;
const logLines: string[] = [];
/** Every body and header Detour sent back to a client in this file, checked for credentials at the end. */
const clientSaw: string[] = [];

beforeAll(async () => {
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  stack = await startStack({
    config: azureConfig,
    detour: { clock, logger: { level: 'debug', stream: logs } },
  });
  // A fetch that keeps a copy of what the client received, so the last test can search it.
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const copy = response.clone();
    void copy.text().then((text) => clientSaw.push(JSON.stringify([...response.headers]), text));
    return response;
  };
  openai = new OpenAI({
    baseURL: stack.openaiBaseUrl,
    apiKey: 'client-key',
    maxRetries: 0,
    fetch: recordingFetch,
  });
  anthropic = new Anthropic({
    baseURL: stack.anthropicBaseUrl,
    apiKey: 'client-key',
    maxRetries: 0,
    fetch: recordingFetch,
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  // Also ends cool-downs and re-enables disabled deployments, so each test starts clean.
  resetHealth(stack, clock);
});

function lastRequestTo(host: string) {
  return stack.sim.stats().hosts[host]?.recent.at(-1);
}

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('Azure OpenAI deployment URLs (OpenAI SDK as the client)', () => {
  it('answers from the deployment named in the path, with the api-key header and never the client key', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'echo: hello azure' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('hello azure');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(response.headers.get('x-detour-deployment')).toBe('az-east/prod-gpt');
    const seen = lastRequestTo('az-east');
    expect(seen?.path).toBe('/openai/deployments/prod-gpt/chat/completions');
    expect(seen?.headers['api-key']).toBe(KEYS.east);
    expect(seen?.headers.authorization).toBeUndefined();
    expect(upstreamCallsTo(stack, 'az-west')).toBe(0);
  });

  it('reaches the v1 endpoint with the deployment in the body', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-v1',
      messages: [{ role: 'user', content: 'echo: v1 works' }],
    });
    expect(completion.choices[0]?.message.content).toBe('v1 works');
    const seen = lastRequestTo('az-v1');
    expect(seen?.path).toBe('/openai/v1/chat/completions');
    expect(seen?.body).toMatchObject({ model: 'gpt-4o' });
    expect(seen?.headers['api-key']).toBe(KEYS.v1);
  });

  it("streams text through Azure's filter-annotated chunks, with a usage chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'echo: one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usageChunks += 1;
    }
    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usageChunks).toBe(1);
  });

  it('round-trips a tool call: the call, then the answer that reads the tool result', async () => {
    const first = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('get_weather');
    expect(typeof JSON.parse(call.function.arguments).city).toBe('string');
    const second = await openai.chat.completions.create({
      model: 'gpt',
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
      ],
      tools: [weather],
    });
    expect(second.choices[0]?.message.content).toBe('The tool returned: sunny, 21 C');
  });

  it('streams a tool call whose arguments assemble from deltas', async () => {
    const completion = await openai.chat.completions
      .stream({
        model: 'gpt',
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weather],
      })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('answers JSON mode with JSON that fits the schema', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const completion = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'How much is 6 times 7?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'result', schema } },
    });
    expect(Number.isInteger(JSON.parse(completion.choices[0]?.message.content ?? '').answer)).toBe(true);
    expect(lastRequestTo('az-east')?.body).toMatchObject({ response_format: { type: 'json_schema' } });
  });
});

describe('Azure OpenAI behind the Anthropic surface (Anthropic SDK as the client)', () => {
  it('answers a Messages request translated to and from Azure', async () => {
    const message = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'echo: translated' }],
    });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'translated' })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(lastRequestTo('az-east')?.path).toBe('/openai/deployments/prod-gpt/chat/completions');
  });

  it('streams a Messages answer from Azure', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'gpt',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'echo: streamed across' }],
      })
      .finalMessage();
    expect(message.content[0]?.type === 'text' && message.content[0].text).toBe('streamed across');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('round-trips a tool call in Anthropic format', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: {
          type: 'object' as const,
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    ];
    const first = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 200,
      tools,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const use = first.content.find((block) => block.type === 'tool_use');
    expect(first.stop_reason).toBe('tool_use');
    if (use?.type !== 'tool_use') throw new Error('expected a tool_use block');
    const second = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 200,
      tools,
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'rainy' }] },
      ],
    });
    expect(second.content[0]?.type === 'text' && second.content[0].text).toBe('The tool returned: rainy');
  });
});

describe('Azure OpenAI failures', () => {
  it('fails over a stream invisibly when the host errors before any content', async () => {
    stack.sim.setFault({ host: 'az-east', fault: { type: 'stream_error', afterChunks: 0 } });
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'echo: clean stream' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('clean stream');
    expect(upstreamCallsTo(stack, 'az-east')).toBe(1);
    expect(upstreamCallsTo(stack, 'az-west')).toBe(1);
  });

  it('ends the stream with an error event when the host fails after content, splicing nothing', async () => {
    stack.sim.setFault({ host: 'az-east', fault: { type: 'stream_error', afterChunks: 2 } });
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'echo: a b c d e f' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
    expect('a b c d e f'.startsWith(text)).toBe(true);
    expect(text).not.toBe('a b c d e f');
    expect(upstreamCallsTo(stack, 'az-west')).toBe(0);
  });

  it("returns Azure's prompt filter refusal as content_policy at once, to both SDKs, blaming no host", async () => {
    stack.sim.setFault({ host: 'az-east', fault: { type: 'content_filter' } });
    const error = await openai.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'something filtered' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.status).toBe(400);
    expect(badRequest.code).toBe('content_filter');
    expect(badRequest.message).toMatch(/content management policy/);
    const anthropicError = await anthropic.messages
      .create({ model: 'gpt', max_tokens: 50, messages: [{ role: 'user', content: 'something filtered' }] })
      .catch((caught: unknown) => caught);
    expect(anthropicError).toBeInstanceOf(Anthropic.BadRequestError);
    expect(upstreamCallsTo(stack, 'az-west')).toBe(0);
    const east = stack.detour.state.health.status('az-east/prod-gpt');
    expect(east.state).toBe('closed');
    expect(east.disabled).toBeUndefined();
  });

  it("keeps Azure's filtered finish: content_filter for OpenAI clients, refusal for Anthropic clients", async () => {
    stack.sim.setFault({
      host: 'az-east',
      fault: { type: 'content_filter', stage: 'completion', afterChunks: 1 },
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'echo: some words then a filter' }],
      stream: true,
    });
    let finish: string | null = null;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('content_filter');
    stack.sim.setFault({ host: 'az-east', fault: { type: 'content_filter', stage: 'completion' } });
    const message = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'echo: filtered' }],
    });
    expect(message.stop_reason).toBe('refusal');
    expect(upstreamCallsTo(stack, 'az-west')).toBe(0);
  });

  it("cools a 429'd deployment down for the advertised retry-after-ms and serves from the next", async () => {
    stack.sim.setFault({
      host: 'az-east',
      fault: { type: 'status', status: 429, headers: { 'retry-after-ms': '15500', 'retry-after': '20' } },
      times: 1,
    });
    const { response } = await openai.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'echo: served' }] })
      .withResponse();
    expect(response.headers.get('x-detour-deployment')).toBe('az-west/prod-gpt');
    // Azure's retry-after-ms wins over its whole-second retry-after.
    expect(stack.detour.state.health.status('az-east/prod-gpt').coolingUntil).toBe(clock.now() + 15_500);
    // The next request skips the cooling deployment without calling it.
    await openai.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstreamCallsTo(stack, 'az-east')).toBe(1);
  });

  it('fails over on a 500 and counts it against the host, and disables a deployment Azure does not know', async () => {
    stack.sim.setFault({ host: 'az-east', fault: { type: 'status', status: 500 }, times: 1 });
    const { response } = await openai.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-detour-deployment')).toBe('az-west/prod-gpt');
    expect(stack.detour.state.health.status('az-east/prod-gpt').disabled).toBeUndefined();

    stack.sim.setFault({ host: 'az-east', fault: { type: 'status', status: 404 }, times: 1 });
    await openai.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(stack.detour.state.health.status('az-east/prod-gpt').disabled).toBe('not_found');
  });

  it('disables a deployment whose key Azure rejects, alerts naming the provider, and answers from the next', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'guarded', messages: [{ role: 'user', content: 'echo: still answered' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('still answered');
    expect(response.headers.get('x-detour-deployment')).toBe('az-west/prod-gpt');
    expect(stack.detour.state.health.status('az-bad/prod-gpt').disabled).toBe('auth');
    await stack.detour.status.detector.evaluate();
    const alertsResponse = await fetch(`${stack.detour.url}/admin/alerts`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const text = await alertsResponse.text();
    const { alerts } = JSON.parse(text) as {
      alerts: Array<{ kind: string; provider: string; message: string }>;
    };
    expect(alerts.find((alert) => alert.kind === 'auth')).toMatchObject({ provider: 'az-bad' });
    expect(text).not.toContain(KEYS.bad);
    // A disabled deployment is not called again until an operator re-enables it.
    await openai.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstreamCallsTo(stack, 'az-bad')).toBe(1);
  });

  it('never puts a credential in a response, an error or a log line', async () => {
    stack.sim.setFault({ host: 'az-west', fault: { type: 'status', status: 401 } });
    const error = await openai.chat.completions
      .create({ model: 'guarded', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const admin = await fetch(`${stack.detour.url}/admin/health`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    }).then((answer) => answer.text());
    const everything = [...clientSaw, admin, ...logLines].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });
});
