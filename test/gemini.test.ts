import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailureClass } from '../src/core/index.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The `gemini` provider kind (Google's Gemini API) end to end: the simulator speaks the Gemini API,
// Detour sits in front of it, and the official OpenAI and Anthropic SDKs are the clients. Every
// request is translated (no client speaks Gemini's wire format), both ways, streaming and not.

const KEY_A = 'gm-key-a-SECRET-1';
const KEY_B = 'gm-key-b-SECRET-2';
// The simulator's Gemini hosts refuse any key that starts with `bad`, as Google does (400
// INVALID_ARGUMENT, reason API_KEY_INVALID).
const BAD_KEY = 'bad-key-SECRET-3';
const MODEL = 'gemini-2.5-flash';

function config(simUrl: string): string {
  return `
server: { adminKey: admin-secret }
providers:
  gem-a:   { protocol: gemini, baseUrl: ${simUrl}/hosts/gem-a, apiKey: ${KEY_A} }
  gem-b:   { protocol: gemini, baseUrl: ${simUrl}/hosts/gem-b/v1beta, apiKey: ${KEY_B} }
  gem-bad: { protocol: gemini, baseUrl: ${simUrl}/hosts/gem-bad, apiKey: ${BAD_KEY} }
models:
  flash: { deployments: [ { provider: gem-a, model: ${MODEL} }, { provider: gem-b, model: ${MODEL} } ] }
  solo:  { deployments: [ { provider: gem-a, model: ${MODEL} } ] }
  keyed: { deployments: [ { provider: gem-bad, model: ${MODEL} }, { provider: gem-b, model: ${MODEL} } ] }
timeouts: { connect: 1s, firstToken: 2s, idle: 2s, total: 10s }
retry: { backoffBase: 10ms, backoffMax: 20ms }
health: { probes: { enabled: false } }
`;
}

const logLines: string[] = [];
let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  stack = await startStack({ config, detour: { logger: { level: 'trace', stream: logs } } });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
  // Nothing Detour logged in the whole file carried a key.
  const everything = logLines.join('');
  expect(everything.length).toBeGreaterThan(0);
  for (const secret of [KEY_A, KEY_B, BAD_KEY]) expect(everything).not.toContain(secret);
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

function lastRequest(host: string) {
  const record = stack.sim.stats().hosts[host]?.recent.at(-1);
  if (record === undefined) throw new Error(`no request reached ${host}`);
  return record;
}

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('gemini provider, OpenAI SDK as the client', () => {
  it('answers a non-stream request through generateContent with the key in x-goog-api-key', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'flash', messages: [{ role: 'user', content: 'echo: hello gemini' }] })
      .withResponse();

    expect(data.choices[0]?.message.content).toBe('hello gemini');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-detour-deployment')).toBe(`gem-a/${MODEL}`);
    const seen = lastRequest('gem-a');
    expect(seen.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(seen.headers['x-goog-api-key']).toBe(KEY_A);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'echo: hello gemini' }] }],
    });
    expect(seen.body).not.toHaveProperty('model');
  });

  it('streams through streamGenerateContent?alt=sse and the SDK assembles the answer with usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'echo: one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }

    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    // The record holds the path without its query; the simulator refuses a stream without alt=sse.
    expect(lastRequest('gem-a').path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent`);
  });

  it('round-trips a tool call: functionCall out, functionResponse back', async () => {
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'What is the weather in Paris?',
    };
    const first = await openai.chat.completions.create({
      model: 'flash',
      messages: [question],
      tools: [weather],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && typeof JSON.parse(call.function.arguments).city).toBe('string');
    expect(lastRequest('gem-a').body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather' }] }],
    });

    const second = await openai.chat.completions.create({
      model: 'flash',
      tools: [weather],
      messages: [
        question,
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call!.id, content: 'sunny, 24 C' },
      ],
    });

    expect(second.choices[0]?.message.content).toBe('The tool returned: sunny, 24 C');
    const contents = (lastRequest('gem-a').body as { contents: Array<{ role: string; parts: unknown[] }> })
      .contents;
    expect(contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(contents[1]?.parts[0]).toMatchObject({ functionCall: { name: 'get_weather' } });
    expect(contents[2]?.parts[0]).toMatchObject({ functionResponse: { name: 'get_weather' } });
  });

  it('streams a tool call whose arguments the SDK assembles', async () => {
    const completion = await openai.chat.completions
      .stream({
        model: 'flash',
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weather],
      })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('answers JSON mode with responseMimeType and the schema, and gets JSON back', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const completion = await openai.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'Give me a number' }],
      response_format: { type: 'json_schema', json_schema: { name: 'number', schema, strict: true } },
    });

    expect(typeof JSON.parse(completion.choices[0]?.message.content ?? '').answer).toBe('number');
    expect(lastRequest('gem-a').body).toMatchObject({
      generationConfig: { responseMimeType: 'application/json' },
    });
  });

  it('fails a stream over invisibly when Gemini sends an error before any content', async () => {
    stack.sim.setFault({ host: 'gem-a', fault: { type: 'stream_error', afterChunks: 0 }, times: 1 });
    const stream = await openai.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'echo: clean stream' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';

    expect(text).toBe('clean stream');
    expect(upstreamCallsTo(stack, 'gem-a')).toBe(1);
    expect(upstreamCallsTo(stack, 'gem-b')).toBe(1);
  });

  it('ends the stream with an error event when Gemini fails after content, splicing nothing', async () => {
    stack.sim.setFault({ host: 'gem-a', fault: { type: 'stream_error', afterChunks: 2 }, times: 1 });
    const stream = await openai.chat.completions.create({
      model: 'flash',
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
    expect(upstreamCallsTo(stack, 'gem-b')).toBe(0);
  });

  it('reports a SAFETY finish as content_filter', async () => {
    stack.sim.setFault({
      host: 'gem-a',
      fault: { type: 'content_filter', stage: 'completion', afterChunks: 1 },
    });
    const completion = await openai.chat.completions.create({
      model: 'solo',
      messages: [{ role: 'user', content: 'echo: a b c d' }],
    });
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
  });
});

describe('gemini provider, Anthropic SDK as the client', () => {
  it('answers a non-stream request, translated to and from generateContent', async () => {
    const message = await anthropic.messages.create({
      model: 'flash',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'echo: from anthropic' }],
    });

    expect(message.content).toMatchObject([{ type: 'text', text: 'from anthropic' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(lastRequest('gem-a').body).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 100 },
    });
  });

  it('streams, and the SDK assembles the final message', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'flash',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'echo: streamed to claude' }],
      })
      .finalMessage();

    expect(message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toBe(
      'streamed to claude',
    );
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams a tool call as tool_use blocks', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'flash',
        max_tokens: 100,
        tools: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      })
      .finalMessage();
    const toolUse = message.content.find((block) => block.type === 'tool_use');

    expect(message.stop_reason).toBe('tool_use');
    expect(toolUse?.type === 'tool_use' && toolUse.name).toBe('get_weather');
    expect(toolUse?.type === 'tool_use' && toolUse.input).toHaveProperty('city');
  });
});

describe('gemini provider errors (DESIGN.md section 6)', () => {
  interface ErrorCase {
    status: number;
    errorType: string;
    message?: string;
    failureClass: FailureClass;
    /** What the client gets (model `solo` has one deployment, so the class's own status). */
    clientStatus: number;
  }
  const cases: ErrorCase[] = [
    { status: 429, errorType: 'RESOURCE_EXHAUSTED', failureClass: 'rate_limited', clientStatus: 429 },
    { status: 503, errorType: 'UNAVAILABLE', failureClass: 'overloaded', clientStatus: 503 },
    { status: 504, errorType: 'DEADLINE_EXCEEDED', failureClass: 'timeout', clientStatus: 504 },
    { status: 500, errorType: 'INTERNAL', failureClass: 'server_error', clientStatus: 502 },
    { status: 403, errorType: 'PERMISSION_DENIED', failureClass: 'auth', clientStatus: 502 },
    { status: 404, errorType: 'NOT_FOUND', failureClass: 'not_found', clientStatus: 404 },
    { status: 400, errorType: 'INVALID_ARGUMENT', failureClass: 'client_error', clientStatus: 400 },
    { status: 400, errorType: 'FAILED_PRECONDITION', failureClass: 'client_error', clientStatus: 400 },
    {
      status: 400,
      errorType: 'FAILED_PRECONDITION',
      message:
        'Gemini API free tier is not available in your country. Please enable billing on your project.',
      failureClass: 'quota',
      clientStatus: 429,
    },
  ];

  it.each(cases)('classifies $status $errorType as $failureClass (client: $clientStatus)', async (error) => {
    const before = await attemptsOf(`gem-a/${MODEL}`, error.failureClass);
    const { status, errorType, message } = error;
    stack.sim.setFault({
      host: 'gem-a',
      fault: { type: 'status', status, errorType, ...(message === undefined ? {} : { message }) },
    });
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();

    expect(response.status).toBe(error.clientStatus);
    // A lone deployment may be retried once for some classes (DESIGN.md section 6): at least one more.
    expect(await attemptsOf(`gem-a/${MODEL}`, error.failureClass)).toBeGreaterThan(before);
  });

  it('classifies a rejected key as auth: fails over, disables the deployment, alerts naming the provider, never the key', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'keyed', messages: [{ role: 'user', content: 'echo: still answered' }] })
      .withResponse();

    expect(data.choices[0]?.message.content).toBe('still answered');
    expect(response.headers.get('x-detour-deployment')).toBe(`gem-b/${MODEL}`);
    expect(lastRequest('gem-bad').headers['x-goog-api-key']).toBe(BAD_KEY);
    expect(stack.detour.state.health.status(`gem-bad/${MODEL}`).disabled).toBe('auth');

    await stack.detour.status.detector.evaluate();
    const alertsResponse = await fetch(`${stack.detour.url}/admin/alerts`, {
      headers: { authorization: 'Bearer admin-secret' },
    });
    const text = await alertsResponse.text();
    const { alerts } = JSON.parse(text) as {
      alerts: Array<{ kind: string; provider: string; message: string }>;
    };
    const alert = alerts.find((candidate) => candidate.provider === 'gem-bad');
    expect(alert).toMatchObject({ kind: 'auth', provider: 'gem-bad' });
    expect(alert?.message).toContain('Provider "gem-bad"');
    expect(text).not.toContain(BAD_KEY);
  });

  it('names the rejected provider but not its key when no other deployment is left', async () => {
    stack.detour.state.health.breaker(`gem-b/${MODEL}`).drain();
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'keyed', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();

    expect(response.status).toBe(502);
    expect(text).toContain('provider \\"gem-bad\\"');
    for (const secret of [KEY_A, KEY_B, BAD_KEY]) expect(text).not.toContain(secret);
  });
});

/** Attempts of a deployment that ended as `outcome`, from Detour's own metrics. */
async function attemptsOf(deployment: string, outcome: string): Promise<number> {
  const text = await fetch(`${stack.detour.url}/metrics`).then((response) => response.text());
  const line = text
    .split('\n')
    .find((candidate) =>
      candidate.startsWith(`detour_attempts_total{deployment="${deployment}",outcome="${outcome}"}`),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
