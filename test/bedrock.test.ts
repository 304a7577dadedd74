import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailureClass } from '../src/core/index.js';
import { SIM_AWS_CREDENTIALS, SIM_BEDROCK_API_KEY } from '../src/sim/index.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The bedrock provider kind end to end: the simulator speaks Bedrock (InvokeModel and Converse,
// event streams, SigV4 verification, Bedrock's error shapes); Detour sits in front of it; the
// official OpenAI and Anthropic SDKs are Detour's clients. Host `br-a` signs with SigV4, `br-b`
// sends a Bedrock API key, `br-bad` signs with a key the simulator does not know.

const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'us.amazon.nova-pro-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const BAD_KEY_ID = 'AKIAWRONGKEY00000001';
const BAD_SECRET = 'wrong/secret/never-shown-anywhere';

function config(simUrl: string): string {
  const { accessKeyId, secretAccessKey } = SIM_AWS_CREDENTIALS;
  const signed = `accessKeyId: ${accessKeyId}, secretAccessKey: ${secretAccessKey}`;
  return `
server: { adminKey: admin-secret }
providers:
  br-a:   { protocol: bedrock, region: us-east-1, baseUrl: ${simUrl}/hosts/br-a, ${signed} }
  br-b:   { protocol: bedrock, region: us-west-2, baseUrl: ${simUrl}/hosts/br-b, apiKey: ${SIM_BEDROCK_API_KEY} }
  br-bad: { protocol: bedrock, region: us-east-1, baseUrl: ${simUrl}/hosts/br-bad, accessKeyId: ${BAD_KEY_ID}, secretAccessKey: ${BAD_SECRET} }
models:
  claude:      { deployments: [ { provider: br-a, model: ${CLAUDE} }, { provider: br-b, model: ${CLAUDE} } ] }
  nova:        { deployments: [ { provider: br-a, model: ${NOVA} }, { provider: br-b, model: ${NOVA} } ] }
  llama:       { deployments: [ { provider: br-a, model: ${LLAMA} } ] }
  claude-solo: { deployments: [ { provider: br-a, model: ${CLAUDE} } ] }
  nova-solo:   { deployments: [ { provider: br-a, model: ${NOVA} } ] }
  claude-bad:  { deployments: [ { provider: br-bad, model: ${CLAUDE} }, { provider: br-a, model: ${CLAUDE} } ] }
  bad-solo:    { deployments: [ { provider: br-bad, model: ${NOVA} } ] }
timeouts: { connect: 2s, firstToken: 3s, idle: 3s, total: 20s }
retry: { backoffBase: 5ms, backoffMax: 20ms, maxRetryAfter: 50ms }
health: { probes: { enabled: false } }
`;
}

/** Every secret of the config: none may show up in a response, a log line or the admin API. */
const SECRETS = [
  SIM_AWS_CREDENTIALS.accessKeyId,
  SIM_AWS_CREDENTIALS.secretAccessKey,
  SIM_BEDROCK_API_KEY,
  BAD_KEY_ID,
  BAD_SECRET,
];

const logLines: string[] = [];
/** Every response body a test read, to check for secrets at the end. */
const responseTexts: string[] = [];
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
  stack = await startStack({ config, detour: { logger: { level: 'debug', stream: logs } } });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

/** The requests one simulated host received, oldest first. */
function received(host: string) {
  return stack.sim.stats().hosts[host]?.recent ?? [];
}

function failuresOf(deploymentId: string): Partial<Record<string, number>> {
  const { byResult } = stack.detour.state.health.window(deploymentId).read(60_000);
  const { success: _success, ...failures } = byResult;
  return failures;
}

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: weatherSchema },
};

async function openaiText(model: string, text: string, stream: boolean): Promise<string> {
  const request = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: text }] };
  const completion = stream
    ? await openai.chat.completions
        .stream({ ...request, stream: true, stream_options: { include_usage: true } })
        .finalChatCompletion()
    : await openai.chat.completions.create(request);
  expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  expect(completion.choices[0]?.finish_reason).toBe('stop');
  return completion.choices[0]?.message.content ?? '';
}

async function anthropicText(model: string, text: string, stream: boolean): Promise<string> {
  const request = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: text }] };
  const message = stream
    ? await anthropic.messages.stream(request).finalMessage()
    : await anthropic.messages.create(request);
  expect(message.usage.output_tokens).toBeGreaterThan(0);
  expect(message.stop_reason).toBe('end_turn');
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** A tool call and its result sent back, through the OpenAI SDK; returns the final answer text. */
async function openaiToolRoundTrip(model: string, stream: boolean): Promise<string> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'user', content: 'What is the weather in Paris? Use the tool.' },
  ];
  const ask = (history: OpenAI.ChatCompletionMessageParam[]) => {
    const request = { model, max_tokens: 100, messages: history, tools: [weatherTool] };
    return stream
      ? openai.chat.completions.stream({ ...request, stream: true }).finalChatCompletion()
      : openai.chat.completions.create(request);
  };
  const first = await ask(messages);
  const choice = first.choices[0]!;
  expect(choice.finish_reason).toBe('tool_calls');
  const call = choice.message.tool_calls?.[0];
  if (call?.type !== 'function') throw new Error('expected a function call');
  expect(call.function.name).toBe('get_weather');
  expect(JSON.parse(call.function.arguments)).toMatchObject({ city: expect.any(String) });
  messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 degrees' });
  const second = await ask(messages);
  expect(second.choices[0]?.finish_reason).toBe('stop');
  return second.choices[0]?.message.content ?? '';
}

/** The same round trip through the Anthropic SDK. */
async function anthropicToolRoundTrip(model: string, stream: boolean): Promise<string> {
  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'Weather in a city',
      input_schema: weatherSchema as Anthropic.Tool.InputSchema,
    },
  ];
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: 'What is the weather in Paris? Use the tool.' },
  ];
  const ask = (history: Anthropic.MessageParam[]) => {
    const request = { model, max_tokens: 100, messages: history, tools };
    return stream ? anthropic.messages.stream(request).finalMessage() : anthropic.messages.create(request);
  };
  const first = await ask(messages);
  expect(first.stop_reason).toBe('tool_use');
  const call = first.content.find((block) => block.type === 'tool_use');
  if (call?.type !== 'tool_use') throw new Error('expected a tool_use block');
  expect(call.name).toBe('get_weather');
  messages.push(
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21 degrees' }] },
  );
  const second = await ask(messages);
  expect(second.stop_reason).toBe('end_turn');
  return second.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** JSON mode with a schema through the OpenAI SDK; returns the parsed answer. */
async function openaiJson(model: string, stream: boolean): Promise<unknown> {
  const request = {
    model,
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: 'The weather in Paris, as JSON.' }],
    response_format: {
      type: 'json_schema' as const,
      json_schema: { name: 'weather', schema: weatherSchema, strict: true },
    },
  };
  const completion = stream
    ? await openai.chat.completions.stream({ ...request, stream: true }).finalChatCompletion()
    : await openai.chat.completions.create(request);
  return JSON.parse(completion.choices[0]?.message.content ?? '');
}

describe('an Anthropic model through InvokeModel', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'streaming' : 'non-streaming';

    it(`answers the Anthropic SDK, ${mode}, with a signed Bedrock Messages body`, async () => {
      expect(await anthropicText('claude-solo', 'echo: hello from bedrock', stream)).toBe(
        'hello from bedrock',
      );
      const [request] = received('br-a');
      expect(request?.path).toMatch(
        stream ? /\/model\/[^/]+\/invoke-with-response-stream$/ : /\/model\/[^/]+\/invoke$/,
      );
      expect(request?.model).toBe(CLAUDE);
      expect(request?.body).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100 });
      expect(request?.body).not.toHaveProperty('model');
      expect(request?.body).not.toHaveProperty('stream');
      expect(request?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=\S+\/us-east-1\/bedrock\//,
      );
    });

    it(`answers the OpenAI SDK, ${mode}, translated from Anthropic Messages`, async () => {
      expect(await openaiText('claude-solo', 'echo: translated on bedrock', stream)).toBe(
        'translated on bedrock',
      );
    });

    it(`runs a tool call round trip, ${mode}, for both SDKs`, async () => {
      expect(await openaiToolRoundTrip('claude-solo', stream)).toBe('The tool returned: sunny, 21 degrees');
      expect(await anthropicToolRoundTrip('claude-solo', stream)).toBe(
        'The tool returned: sunny, 21 degrees',
      );
    });

    it(`answers JSON mode, ${mode}, with JSON that follows the schema`, async () => {
      expect(await openaiJson('claude-solo', stream)).toEqual({
        city: expect.any(String),
        unit: expect.stringMatching(/^[cf]$/),
      });
    });
  }

  it('moves the client’s anthropic-beta header into the body’s anthropic_beta', async () => {
    await anthropic.messages.create(
      { model: 'claude-solo', max_tokens: 20, messages: [{ role: 'user', content: 'echo: beta' }] },
      { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
    );
    const [request] = received('br-a');
    expect(request?.body).toMatchObject({ anthropic_beta: ['context-1m-2025-08-07'] });
    expect(request?.headers).not.toHaveProperty('anthropic-beta');
  });

  it('sends a Bedrock API key as a bearer token', async () => {
    stack.sim.setFault({ host: 'br-a', fault: { type: 'status', status: 503 } });
    expect(await anthropicText('claude', 'echo: by api key', false)).toBe('by api key');
    const [request] = received('br-b');
    expect(request?.headers.authorization).toBe(`Bearer ${SIM_BEDROCK_API_KEY}`);
  });
});

describe('other models through Converse', () => {
  for (const model of ['nova-solo', 'llama']) {
    for (const stream of [false, true]) {
      const mode = stream ? 'streaming' : 'non-streaming';

      it(`${model}: answers both SDKs, ${mode}, through ${stream ? 'ConverseStream' : 'Converse'}`, async () => {
        expect(await openaiText(model, 'echo: conversing with bedrock', stream)).toBe(
          'conversing with bedrock',
        );
        expect(await anthropicText(model, 'echo: conversing again', stream)).toBe('conversing again');
        const paths = received('br-a').map((request) => request.path);
        expect(paths).toHaveLength(2);
        for (const path of paths) expect(path).toMatch(stream ? /\/converse-stream$/ : /\/converse$/);
        expect(received('br-a')[0]?.body).toMatchObject({
          messages: [{ role: 'user', content: [{ text: 'echo: conversing with bedrock' }] }],
        });
      });

      it(`${model}: runs a tool call round trip, ${mode}, for both SDKs`, async () => {
        expect(await openaiToolRoundTrip(model, stream)).toBe('The tool returned: sunny, 21 degrees');
        expect(await anthropicToolRoundTrip(model, stream)).toBe('The tool returned: sunny, 21 degrees');
      });
    }
  }

  it('names the model that answered, although Converse answers do not (regression)', async () => {
    const completion = await openai.chat.completions.create({
      model: 'nova-solo',
      messages: [{ role: 'user', content: 'echo: who answers' }],
    });
    expect(completion.model).toBe(NOVA);
    const chunks = await openai.chat.completions.create({
      model: 'nova-solo',
      stream: true,
      messages: [{ role: 'user', content: 'echo: who answers' }],
    });
    const models = new Set<string>();
    for await (const chunk of chunks) models.add(chunk.model);
    expect([...models]).toEqual([NOVA]);
    const message = await anthropic.messages.create({
      model: 'nova-solo',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'echo: who answers' }],
    });
    expect(message.model).toBe(NOVA);
  });

  for (const stream of [false, true]) {
    it(`answers JSON mode on Nova, ${stream ? 'streaming' : 'non-streaming'}, with Converse's structured output`, async () => {
      expect(await openaiJson('nova-solo', stream)).toEqual({
        city: expect.any(String),
        unit: expect.stringMatching(/^[cf]$/),
      });
      expect(received('br-a')[0]?.body).toMatchObject({
        outputConfig: { textFormat: { type: 'json_schema' } },
      });
    });
  }
});

describe('exceptions inside a stream', () => {
  for (const [model, deployment] of [
    ['claude', CLAUDE],
    ['nova', NOVA],
  ] as const) {
    it(`${model}: an exception before any content fails over invisibly to the next deployment`, async () => {
      stack.sim.setFault({
        host: 'br-a',
        fault: { type: 'stream_error', afterChunks: 0, errorType: 'serviceUnavailableException' },
      });
      expect(await openaiText(model, 'echo: one clean stream', true)).toBe('one clean stream');
      expect(await anthropicText(model, 'echo: and another', true)).toBe('and another');
      expect(upstreamCallsTo(stack, 'br-a')).toBe(2);
      expect(upstreamCallsTo(stack, 'br-b')).toBe(2);
      expect(failuresOf(`br-a/${deployment}`)).toEqual({ server_error: 2 });
    });

    it(`${model}: an exception after content ends the stream with the client's error event`, async () => {
      stack.sim.setFault({
        host: 'br-a',
        fault: {
          type: 'stream_error',
          afterChunks: 2,
          // A server error, not a throttle: a throttle would cool br-a down and send the second
          // client elsewhere.
          errorType: 'internalServerException',
          message: 'The system encountered an unexpected error during processing.',
        },
      });
      const text = 'echo: one two three four five six seven eight';

      let openaiSeen = '';
      const openaiError = await (async () => {
        const stream = await openai.chat.completions.create({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: text }],
          stream: true,
        });
        try {
          for await (const chunk of stream) openaiSeen += chunk.choices[0]?.delta.content ?? '';
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(openaiSeen.length).toBeGreaterThan(0);
      expect('one two three four five six seven eight'.startsWith(openaiSeen)).toBe(true);
      expect(openaiSeen).not.toBe('one two three four five six seven eight');
      expect(openaiError).toBeInstanceOf(OpenAI.APIError);
      expect(String((openaiError as Error).message)).toContain('internalServerException');

      let anthropicSeen = '';
      const anthropicError = await (async () => {
        const stream = anthropic.messages.stream({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: text }],
        });
        stream.on('text', (delta) => {
          anthropicSeen += delta;
        });
        try {
          await stream.finalMessage();
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(anthropicSeen.length).toBeGreaterThan(0);
      expect(anthropicError).toBeInstanceOf(Anthropic.APIError);
      // Anthropic's own error event, with the server-error type.
      expect(String((anthropicError as Error).message)).toContain('"type":"api_error"');
      expect(String((anthropicError as Error).message)).toContain('internalServerException');

      // Content had gone out: nothing was retried on br-b.
      expect(upstreamCallsTo(stack, 'br-b')).toBe(0);
      expect(failuresOf(`br-a/${deployment}`)).toEqual({ server_error: 2 });
    });
  }

  it('a torn event stream is a bad response, failed over before content', async () => {
    stack.sim.setFault({ host: 'br-a', fault: { type: 'malformed_sse', afterChunks: 0 } });
    expect(await anthropicText('claude', 'echo: past a corrupt frame', true)).toBe('past a corrupt frame');
    expect(failuresOf(`br-a/${CLAUDE}`)).toEqual({ bad_response: 1 });
  });
});

/** Bedrock's exceptions, the status each comes with, DESIGN.md section 6's class and what a client then sees. */
const STATUS_CASES: ReadonlyArray<readonly [string, number, FailureClass, number]> = [
  ['ThrottlingException', 429, 'rate_limited', 429],
  ['ServiceQuotaExceededException', 400, 'rate_limited', 429],
  ['ModelNotReadyException', 429, 'overloaded', 503],
  ['ServiceUnavailableException', 503, 'server_error', 502],
  ['InternalServerException', 500, 'server_error', 502],
  ['ModelErrorException', 424, 'server_error', 502],
  ['ModelTimeoutException', 408, 'timeout', 504],
  ['AccessDeniedException', 403, 'auth', 502],
  ['ResourceNotFoundException', 404, 'not_found', 404],
  ['ValidationException', 400, 'client_error', 400],
];

describe('Bedrock errors in HTTP answers', () => {
  for (const [errorType, status, failureClass, clientStatus] of STATUS_CASES) {
    for (const [model, deployment] of [
      ['claude-solo', CLAUDE],
      ['nova-solo', NOVA],
    ] as const) {
      it(`${errorType} (${status}) on ${model} is ${failureClass}; the client gets ${clientStatus}`, async () => {
        stack.sim.setFault({ host: 'br-a', fault: { type: 'status', status, errorType } });
        const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: hi' }] }),
        });
        responseTexts.push(await response.text());
        expect(response.status).toBe(clientStatus);
        expect(Object.keys(failuresOf(`br-a/${deployment}`))).toEqual([failureClass]);
      });
    }
  }
});

describe('bad credentials', () => {
  it('are an auth failure: the deployment is disabled, the alert names the provider, not the secret', async () => {
    const answers = [
      await openaiText('claude-bad', 'echo: served by the good host', false),
      await openaiText('claude-bad', 'echo: served by the good host again', true),
    ];
    expect(answers).toEqual(['served by the good host', 'served by the good host again']);
    // Rejected once, then disabled: the second request went straight to br-a.
    expect(upstreamCallsTo(stack, 'br-bad')).toBe(1);
    expect(upstreamCallsTo(stack, 'br-a')).toBe(2);
    const badDeployment = `br-bad/${CLAUDE}`;
    expect(failuresOf(badDeployment)).toEqual({ auth: 1 });
    expect(stack.detour.state.health.status(badDeployment).disabled).toBe('auth');

    await stack.detour.status.detector.evaluate();
    const response = await fetch(`${stack.detour.url}/admin/alerts`, {
      headers: { authorization: 'Bearer admin-secret' },
    });
    const text = await response.text();
    responseTexts.push(text);
    const { alerts } = JSON.parse(text) as {
      alerts: Array<{ kind: string; provider: string; message: string }>;
    };
    expect(alerts.filter((alert) => alert.provider === 'br-bad')).toEqual([
      expect.objectContaining({ kind: 'auth', message: expect.stringContaining('Provider "br-bad"') }),
    ]);
    const health = await fetch(`${stack.detour.url}/admin/health`, {
      headers: { authorization: 'Bearer admin-secret' },
    }).then((answer) => answer.text());
    responseTexts.push(health);
    expect(health).toContain('br-bad');
  });

  it('on the only deployment answer the client 502, naming the provider and not the secret', async () => {
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bad-solo', messages: [{ role: 'user', content: 'echo: hi' }] }),
    });
    const text = await response.text();
    responseTexts.push(text);
    expect(response.status).toBe(502);
    expect(text).toContain('upstream credentials rejected by provider \\"br-bad\\"');
    expect(stack.detour.state.health.status(`br-bad/${NOVA}`).disabled).toBe('auth');
  });
});

describe('credentials', () => {
  it('never appear in a response, a log line, the metrics or the status page', async () => {
    // Its own traffic (a success, a rejected key, an exception after content), so it holds alone.
    stack.sim.setFault({ host: 'br-a', model: NOVA, fault: { type: 'stream_error', afterChunks: 1 } });
    const requests = [
      { model: 'claude-bad', stream: false },
      { model: 'bad-solo', stream: true },
      { model: 'nova-solo', stream: true },
      { model: 'llama', stream: false },
    ];
    for (const { model, stream } of requests) {
      const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'echo: a b c d e f' }] }),
      });
      responseTexts.push(`${JSON.stringify([...response.headers])}${await response.text()}`);
    }
    for (const path of ['/metrics', '/status', '/api/v2/summary.json']) {
      responseTexts.push(await fetch(`${stack.detour.url}${path}`).then((answer) => answer.text()));
    }
    const admin = { headers: { authorization: 'Bearer admin-secret' } };
    for (const path of ['/admin/alerts', '/admin/health']) {
      responseTexts.push(await fetch(`${stack.detour.url}${path}`, admin).then((answer) => answer.text()));
    }
    // The log stream is the gateway's own: the rejected key raised an alert there.
    expect(logLines.join('')).toContain('alert.raised');
    const everything = `${logLines.join('')}\n${responseTexts.join('\n')}`;
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});
