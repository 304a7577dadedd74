import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetHealth, type Stack, startStack } from './support/start-stack.js';

// The Anthropic Messages surface with the official SDK as the client: same-protocol (fast path),
// translated to an OpenAI-protocol host, and failover across the two.

function config(simUrl: string): string {
  return `
providers:
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: ant-secret }
  oai: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/oai/v1, apiKey: oai-secret }
models:
  claude:   { deployments: [ { provider: ant, model: up-claude } ] }
  gpt:      { deployments: [ { provider: oai, model: up-gpt } ] }
  claude-x: { deployments: [ { provider: ant, model: up-cx }, { provider: oai, model: up-cx } ] }
timeouts: { connect: 1s, firstToken: 400ms, idle: 400ms, total: 10s }
health: { probes: { enabled: false } }
`;
}

let stack: Stack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startStack({ config });
  client = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

function calls(host: string): number {
  return stack.sim.stats().hosts[host]?.requests ?? 0;
}

function lastBody(host: string): Record<string, unknown> {
  return stack.sim.stats().hosts[host]?.recent.at(-1)?.body as Record<string, unknown>;
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

// A 1×1 transparent PNG.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

for (const [model, host] of [
  ['claude', 'ant'],
  ['gpt', 'oai'],
] as const) {
  describe(`POST /v1/messages → ${host === 'ant' ? 'Anthropic host (same protocol)' : 'OpenAI host (translated)'}`, () => {
    it('answers a non-stream request', async () => {
      const { data, response } = await client.messages
        .create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'echo: hello there' }] })
        .withResponse();
      expect(data.type).toBe('message');
      expect(textOf(data)).toBe('hello there');
      expect(data.stop_reason).toBe('end_turn');
      expect(data.usage.output_tokens).toBeGreaterThan(0);
      expect(data.usage.input_tokens).toBeGreaterThan(0);
      expect(response.headers.get('x-detour-deployment')).toBe(`${host}/up-${model}`);
      expect(calls(host)).toBe(1);
    });

    it('streams, and the SDK assembles the final message', async () => {
      const message = await client.messages
        .stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'echo: one two three four' }] })
        .finalMessage();
      expect(textOf(message)).toBe('one two three four');
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    });

    it('round-trips tool_use → tool_result, streamed', async () => {
      const question: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };
      const first = await client.messages
        .stream({ model, max_tokens: 200, tools: [weatherTool], messages: [question] })
        .finalMessage();
      expect(first.stop_reason).toBe('tool_use');
      const call = first.content.find((block) => block.type === 'tool_use');
      expect(call?.type === 'tool_use' && call.name).toBe('get_weather');
      const input = call?.type === 'tool_use' ? (call.input as { city?: unknown }) : {};
      expect(typeof input.city).toBe('string');
      const callId = call?.type === 'tool_use' ? call.id : '';
      const second = await client.messages.create({
        model,
        max_tokens: 200,
        tools: [weatherTool],
        messages: [
          question,
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: callId, content: 'sunny and 21 degrees' }],
          },
        ],
      });
      expect(second.stop_reason).toBe('end_turn');
      expect(textOf(second)).toContain('sunny and 21 degrees');
      // The tool call id the client saw is the one the host gets back.
      const sent = JSON.stringify(lastBody(host));
      expect(sent).toContain(callId);
    });

    it('sends images on', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 50,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
              { type: 'text', text: 'echo: an image' },
            ],
          },
        ],
      });
      expect(textOf(message)).toBe('an image');
      const sent = JSON.stringify(lastBody(host));
      expect(sent).toContain(PIXEL);
      if (host === 'oai') expect(sent).toContain(`data:image/png;base64,${PIXEL}`);
    });
  });
}

describe('Anthropic specifics', () => {
  it('keeps thinking blocks with their signatures, and passes anthropic-beta on', async () => {
    const thinking = { type: 'thinking' as const, thinking: 'Let me think.', signature: 'sig-abc123' };
    const redacted = { type: 'redacted_thinking' as const, data: 'opaque-redacted-data' };
    await client.messages.create(
      {
        model: 'claude',
        max_tokens: 50,
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: [thinking, redacted, { type: 'text', text: 'An answer.' }] },
          { role: 'user', content: 'echo: next' },
        ],
      },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    const seen = stack.sim.stats().hosts.ant?.recent.at(-1);
    const messages = (seen?.body as { messages: Array<{ content: unknown }> } | undefined)?.messages ?? [];
    expect(messages[1]?.content).toEqual([thinking, redacted, { type: 'text', text: 'An answer.' }]);
    expect(seen?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(seen?.headers['x-api-key']).toBe('ant-secret');
  });

  it('answers bad input in Anthropic error shape, naming the field', async () => {
    const response = await fetch(`${stack.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('max_tokens');
    expect(calls('ant')).toBe(0);
  });

  it('surfaces an unknown model as a not_found_error through the SDK', async () => {
    const error = await client.messages
      .create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('answers count_tokens for a model without an Anthropic deployment with a clear 501', async () => {
    const response = await fetch(`${stack.anthropicBaseUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(501);
    const body = (await response.json()) as { type: string; error: { message: string } };
    expect(body.type).toBe('error');
    expect(body.error.message).toContain('Anthropic deployment');
  });
});

describe('failover across protocols', () => {
  it('529 at the Anthropic host: the OpenAI host serves one clean Anthropic stream', async () => {
    stack.sim.setFault({ host: 'ant', fault: { type: 'status', status: 529 } });
    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'echo: from the other side' }],
    });
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();
    expect(textOf(message)).toBe('from the other side');
    expect(events[0]).toBe('message_start');
    expect(events.filter((type) => type === 'message_start')).toHaveLength(1);
    expect(events.at(-1)).toBe('message_stop');
    expect(calls('ant')).toBe(1);
    expect(calls('oai')).toBe(1);
  });

  it('an event: error before any content fails over invisibly', async () => {
    stack.sim.setFault({ host: 'ant', fault: { type: 'stream_error', afterChunks: 0 } });
    const message = await client.messages
      .stream({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'echo: clean' }] })
      .finalMessage();
    expect(textOf(message)).toBe('clean');
    expect(calls('oai')).toBe(1);
  });

  it('an event: error after content: the deltas, then an Anthropic error event, nothing spliced', async () => {
    stack.sim.setFault({ host: 'ant', fault: { type: 'stream_error', afterChunks: 2 } });
    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'echo: one two three four five six' }],
    });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String((error as Error).message)).toContain('overloaded');
    expect(text.length).toBeGreaterThan(0);
    expect('one two three four five six'.startsWith(text)).toBe(true);
    expect(text).not.toBe('one two three four five six');
    expect(calls('oai')).toBe(0);
  });
});
