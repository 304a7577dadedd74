import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetHealth, type Stack, startStack, twoHostConfig } from './support/start-stack.js';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `${twoHostConfig(simUrl)}server: { bodyLimit: 64kb }\n`,
  });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

function callsTo(host: string): number {
  return stack.sim.stats().hosts[host]?.requests ?? 0;
}

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('POST /v1/chat/completions (OpenAI SDK as the client)', () => {
  it('answers a non-stream request from the first deployment and names it', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'echo: hello there' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('hello there');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-detour-deployment')).toBe('a/up-m');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-detour-attempts')).toBeNull();
    expect(callsTo('a')).toBe(1);
    expect(callsTo('b')).toBe(0);
  });

  it('sends the upstream model id and our credentials, never the client key', async () => {
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const seen = stack.sim.stats().hosts.a?.recent.at(-1);
    expect(seen?.body).toMatchObject({ model: 'up-m' });
    expect(seen?.headers.authorization).toBe('Bearer key-a-secret');
  });

  it('keeps fields it does not map on the same-protocol path', async () => {
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      seed: 42,
      logit_bias: { '50256': -100 },
      // A field from the future that Detour has never heard of.
      ...({ future_field: { nested: [1, 2] } } as object),
    });
    const body = stack.sim.stats().hosts.a?.recent.at(-1)?.body;
    expect(body).toMatchObject({ seed: 42, logit_bias: { '50256': -100 }, future_field: { nested: [1, 2] } });
  });

  it('streams text with a final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'echo: one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usageChunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usageChunks += 1;
    }
    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usageChunks).toBe(1);
  });

  it('returns tool calls without streaming', async () => {
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && typeof JSON.parse(call.function.arguments).city).toBe('string');
  });

  it('streams tool calls whose arguments assemble from deltas', async () => {
    const runner = client.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather],
    });
    const completion = await runner.finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('passes json_schema through and gets JSON back', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Give me a number' }],
      response_format: { type: 'json_schema', json_schema: { name: 'number', schema, strict: true } },
    });
    expect(typeof JSON.parse(completion.choices[0]?.message.content ?? '').answer).toBe('number');
    expect(stack.sim.stats().hosts.a?.recent.at(-1)?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'number', schema, strict: true } },
    });
  });

  it('lists the configured models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['m', 'solo']);
  });
});

describe('ordered failover', () => {
  it('answers from the second deployment when the first returns 500, and says so', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'echo: still here' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('still here');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
    expect(response.headers.get('x-detour-attempts')).toBe('2');
    expect(callsTo('a')).toBe(1);
    expect(callsTo('b')).toBe(1);
  });

  it('returns a context-length 400 at once and never calls the second deployment', async () => {
    stack.sim.setFault({
      host: 'a',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'invalid_request_error',
        errorCode: 'context_length_exceeded',
      },
    });
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'too long' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expect(callsTo('a')).toBe(1);
    expect(callsTo('b')).toBe(0);
  });

  it('fails over after the first-token timeout when the first host accepts and stays silent', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'silence' } });
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'echo: patient' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('patient');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
    expect(response.headers.get('x-detour-attempts')).toBe('2');
  });

  it('names which limit fired when a non-streaming request times out on its only host', async () => {
    const ask = async () => {
      const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    };
    // Accepts and never answers: no headers within the first-token limit.
    stack.sim.setFault({ host: 'a', fault: { type: 'silence' }, times: 1 });
    expect(await ask()).toMatchObject({
      status: 504,
      body: { error: { code: 'upstream_first_token_timeout' } },
    });
    // Headers, then nothing: the idle limit between body chunks.
    resetHealth(stack);
    stack.sim.setFault({ host: 'a', fault: { type: 'stall' }, times: 1 });
    expect(await ask()).toMatchObject({ status: 504, body: { error: { code: 'upstream_idle_timeout' } } });
  });

  it('reuses its upstream connections across streams', async () => {
    for (let index = 0; index < 6; index += 1) {
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'echo: reuse me' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('reuse me');
    }
    expect(callsTo('a')).toBe(6);
    expect(stack.sim.stats().connections).toBeLessThanOrEqual(2);
  });

  it('fails over a stream invisibly when the first host errors before any content', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stream_error', afterChunks: 0 } });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'echo: clean stream' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('clean stream');
    expect(callsTo('a')).toBe(1);
    expect(callsTo('b')).toBe(1);
  });

  it('ends the stream with an error event when the host fails after content, splicing nothing', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stream_error', afterChunks: 2 } });
    const stream = await client.chat.completions.create({
      model: 'm',
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
    expect(callsTo('b')).toBe(0);
  });

  it('treats a malformed 200 body as a bad response and fails over', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'malformed_json' } });
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'echo: fine' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('fine');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
  });

  it('fails over when the first host resets the connection mid-body', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body' } });
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'echo: survived' }],
    });
    expect(completion.choices[0]?.message.content).toBe('survived');
  });

  it('fails over on a rejected key without ever showing the key', async () => {
    stack.sim.setFault({
      host: 'a',
      fault: { type: 'status', status: 401, message: 'Incorrect API key provided: key-a-secret' },
    });
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'echo: ok' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('ok');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
  });

  it('names the rejected provider but not its key when every candidate rejects it', async () => {
    stack.sim.setFault({
      host: 'a',
      fault: { type: 'status', status: 401, message: 'Incorrect API key provided: key-a-secret' },
    });
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(text).toContain('provider \\"a\\"');
    expect(text).not.toContain('key-a-secret');
  });

  it('answers 502 with the upstream class when every deployment fails', async () => {
    stack.sim.setFault({ host: '*', fault: { type: 'status', status: 503 } });
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(callsTo('a')).toBe(1);
    expect(callsTo('b')).toBe(1);
  });
});

describe('bad client input', () => {
  async function post(body: string, contentType = 'application/json') {
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
  }

  const cases: Array<[string, string, number, string | null]> = [
    ['not JSON', '{"model": "m", "messages": [', 400, null],
    ['an array body', '[1, 2]', 400, null],
    ['a missing model', '{"messages":[{"role":"user","content":"hi"}]}', 400, 'model'],
    ['missing messages', '{"model":"m"}', 400, 'messages'],
    [
      'a wrong type',
      '{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}',
      400,
      'temperature',
    ],
    ['a bad role', '{"model":"m","messages":[{"role":"wizard","content":"hi"}]}', 400, 'messages[0].role'],
    ['an unknown model', '{"model":"nope","messages":[{"role":"user","content":"hi"}]}', 404, 'model'],
  ];

  for (const [name, body, status, param] of cases) {
    it(`answers ${name} with ${status} in OpenAI's error shape naming the field`, async () => {
      const result = await post(body);
      expect(result.status).toBe(status);
      expect(result.body.error).toMatchObject({ type: expect.any(String), message: expect.any(String) });
      expect(result.body.error.param ?? null).toBe(param);
      expect(callsTo('a') + callsTo('b')).toBe(0);
    });
  }

  it('answers a body over the limit with 413 and keeps serving', async () => {
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] });
    const result = await post(big);
    expect(result.status).toBe(413);
    expect(result.body.error.type).toBe('invalid_request_error');
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'echo: alive' }],
    });
    expect(completion.choices[0]?.message.content).toBe('alive');
  });

  it('accepts JSON sent with curl -d default content type', async () => {
    const result = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: curl' }] }),
    });
    expect(result.status).toBe(200);
  });
});

describe('probes', () => {
  it('reports liveness and readiness', async () => {
    expect(await (await fetch(`${stack.detour.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${stack.detour.url}/readyz`)).json()).toEqual({ status: 'ready', models: 2 });
  });
});
