import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { FailureClass } from '../src/core/index.js';
import { startGateway } from '../src/server/index.js';
import { generateServiceAccount, type SimServiceAccount } from '../src/sim/index.js';
import { SqliteStore } from '../src/store/index.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The `vertex` provider kind end to end: the simulator speaks Vertex AI (Claude through rawPredict,
// Gemini through generateContent) with its own OAuth token endpoint, Detour sits in front of it with
// a service-account key file whose token_uri points there, and the official OpenAI and Anthropic
// SDKs are the clients.

const CLAUDE = 'claude-sonnet-4@20250514';
const GEMINI = 'gemini-2.5-flash';

let account: SimServiceAccount;
/** A key file the token endpoint does not know: what a deleted or revoked key looks like. */
let revokedKeyFile: string;
let revokedPrivateKey: string;

async function config(simUrl: string, sim: Stack['sim']): Promise<string> {
  account = await sim.createServiceAccount({ projectId: 'proj-a' });
  const revoked = generateServiceAccount({
    tokenUri: `${simUrl}/hosts/google/token`,
    projectId: 'proj-a',
    name: 'revoked',
  }).account;
  revokedPrivateKey = revoked.private_key;
  revokedKeyFile = join(account.keyFile, '..', 'revoked.json');
  writeFileSync(revokedKeyFile, JSON.stringify(revoked));
  return `
server: { adminKey: admin-secret }
providers:
  vx-a:  { protocol: vertex, project: proj-a, region: us-east5, credentials: ${account.keyFile}, baseUrl: ${simUrl}/hosts/vx-a }
  vx-b:  { protocol: vertex, project: proj-a, region: global, credentials: ${account.keyFile}, baseUrl: ${simUrl}/hosts/vx-b/v1 }
  vx-revoked: { protocol: vertex, project: proj-a, region: us-east5, credentials: ${revokedKeyFile}, baseUrl: ${simUrl}/hosts/vx-r }
models:
  claude:      { deployments: [ { provider: vx-a, model: ${CLAUDE} }, { provider: vx-b, model: ${CLAUDE} } ] }
  claude-solo: { deployments: [ { provider: vx-a, model: ${CLAUDE} } ] }
  gemini:      { deployments: [ { provider: vx-a, model: ${GEMINI} }, { provider: vx-b, model: ${GEMINI} } ] }
  gemini-solo: { deployments: [ { provider: vx-a, model: ${GEMINI} } ] }
  revoked:     { deployments: [ { provider: vx-revoked, model: ${CLAUDE} }, { provider: vx-b, model: ${CLAUDE} } ] }
timeouts: { connect: 1s, firstToken: 2s, idle: 2s, total: 10s }
retry: { backoffBase: 10ms, backoffMax: 20ms }
health: { probes: { enabled: false } }
`;
}

const logLines: string[] = [];
/** Access tokens the simulator issued, seen on the way to its hosts: none may leak. */
const accessTokens = new Set<string>();
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
  // Nothing Detour logged in the whole file carried a private key or an access token.
  const everything = logLines.join('');
  expect(everything.length).toBeGreaterThan(0);
  expect(accessTokens.size).toBeGreaterThan(0);
  expect(everything).not.toContain('PRIVATE KEY');
  expect(everything).not.toContain(account.json.private_key.split('\n')[1]);
  expect(everything).not.toContain(revokedPrivateKey.split('\n')[1]);
  for (const token of accessTokens) expect(everything).not.toContain(token);
  expect(everything).not.toContain('ya29.');
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

function lastRequest(host: string) {
  const record = stack.sim.stats().hosts[host]?.recent.at(-1);
  if (record === undefined) throw new Error(`no request reached ${host}`);
  const token = /^Bearer (.+)$/.exec(record.headers.authorization ?? '')?.[1];
  if (token !== undefined) accessTokens.add(token);
  return record;
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Claude on Vertex, Anthropic SDK as the client (same protocol)', () => {
  it('calls rawPredict with the model in the path, the Vertex anthropic_version and a bearer token from token_uri', async () => {
    const { data, response } = await anthropic.messages
      .create(
        { model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'echo: hello vertex' }] },
        { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
      )
      .withResponse();

    expect(textOf(data)).toBe('hello vertex');
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-detour-deployment')).toBe(`vx-a/${CLAUDE}`);
    const seen = lastRequest('vx-a');
    expect(seen.path).toBe(
      `/v1/projects/proj-a/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`,
    );
    expect(seen.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', max_tokens: 100 });
    expect(seen.body).not.toHaveProperty('model');
    expect(seen.headers.authorization).toMatch(/^Bearer ya29\.sim-/);
    expect(seen.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(seen.headers['anthropic-version']).toBeUndefined();
    expect(seen.headers['x-api-key']).toBeUndefined();
  });

  it('gets one token for many calls (cached by the provider)', async () => {
    for (let index = 0; index < 3; index += 1) {
      await anthropic.messages.create({
        model: 'claude-solo',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'echo: again' }],
      });
    }
    const tokens = stack.sim.stats().hosts['vx-a']?.recent.map((record) => record.headers.authorization);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    // The first test of the file fetched vx-a's token; none was needed since.
    expect(stack.sim.stats().googleTokenGrants).toBe(0);
  });

  it('streams through streamRawPredict without Vertex’s own vertex_event', async () => {
    const response = await fetch(`${stack.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'echo: raw stream' }],
      }),
    });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain('event: message_stop');
    expect(text).not.toContain('vertex_event');
    const seen = lastRequest('vx-a');
    expect(seen.path).toMatch(/:streamRawPredict$/);
    expect(seen.body).toMatchObject({ stream: true, anthropic_version: 'vertex-2023-10-16' });
  });

  it('streams, and the SDK assembles the final message', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'claude',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'echo: a streamed answer' }],
      })
      .finalMessage();
    expect(textOf(message)).toBe('a streamed answer');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('round-trips a tool call', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };
    const first = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [question],
    });
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(first.stop_reason).toBe('tool_use');
    expect(toolUse?.type === 'tool_use' && toolUse.name).toBe('get_weather');

    const second = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: toolUse?.type === 'tool_use' ? toolUse.id : '',
              content: 'rain',
            },
          ],
        },
      ],
    });
    expect(textOf(second)).toBe('The tool returned: rain');
  });

  it('fails a stream over invisibly when Claude errors before any content', async () => {
    stack.sim.setFault({
      host: 'vx-a',
      fault: { type: 'stream_error', afterChunks: 0, errorType: 'overloaded_error' },
    });
    const message = await anthropic.messages
      .stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'echo: spared' }] })
      .finalMessage();

    expect(textOf(message)).toBe('spared');
    expect(upstreamCallsTo(stack, 'vx-a')).toBe(1);
    expect(upstreamCallsTo(stack, 'vx-b')).toBe(1);
    expect(lastRequest('vx-b').path).toBe(
      `/v1/projects/proj-a/locations/global/publishers/anthropic/models/${CLAUDE}:streamRawPredict`,
    );
  });

  it('ends the stream with an error event when Claude fails after content', async () => {
    stack.sim.setFault({
      host: 'vx-a',
      fault: { type: 'stream_error', afterChunks: 2, errorType: 'overloaded_error' },
    });
    let text = '';
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'echo: a b c d e f' }],
    });
    stream.on('text', (delta) => {
      text += delta;
    });
    const error = await stream.finalMessage().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(text.length).toBeGreaterThan(0);
    expect('a b c d e f'.startsWith(text)).toBe(true);
    expect(text).not.toBe('a b c d e f');
    expect(upstreamCallsTo(stack, 'vx-b')).toBe(0);
  });
});

describe('Claude on Vertex, OpenAI SDK as the client (translated)', () => {
  it('answers a non-stream request', async () => {
    const completion = await openai.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'echo: from openai' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('from openai');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(lastRequest('vx-a').body).toMatchObject({
      system: 'Be brief.',
      anthropic_version: 'vertex-2023-10-16',
    });
  });

  it('streams', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'echo: one two three' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two three');
  });

  it('answers JSON mode (emulated with a forced tool on Anthropic hosts)', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const completion = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Give me a number' }],
      response_format: { type: 'json_schema', json_schema: { name: 'number', schema } },
    });
    expect(typeof JSON.parse(completion.choices[0]?.message.content ?? '').answer).toBe('number');
  });
});

describe('Gemini on Vertex', () => {
  it('answers an OpenAI client through generateContent on the publisher path', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gemini', messages: [{ role: 'user', content: 'echo: hello gemini on vertex' }] })
      .withResponse();

    expect(data.choices[0]?.message.content).toBe('hello gemini on vertex');
    expect(response.headers.get('x-detour-deployment')).toBe(`vx-a/${GEMINI}`);
    const seen = lastRequest('vx-a');
    expect(seen.path).toBe(
      `/v1/projects/proj-a/locations/us-east5/publishers/google/models/${GEMINI}:generateContent`,
    );
    expect(seen.headers.authorization).toMatch(/^Bearer ya29\.sim-/);
    expect(seen.body).toMatchObject({ contents: [{ role: 'user' }] });
    expect(seen.body).not.toHaveProperty('model');
  });

  it('streams to an OpenAI client', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'echo: streamed from gemini' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('streamed from gemini');
    expect(lastRequest('vx-a').path).toMatch(/:streamGenerateContent$/);
  });

  it('streams to an Anthropic client', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'gemini',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'echo: gemini for claude' }],
      })
      .finalMessage();
    expect(textOf(message)).toBe('gemini for claude');
    expect(message.stop_reason).toBe('end_turn');
  });

  it('round-trips a tool call for an OpenAI client', async () => {
    const weather: OpenAI.ChatCompletionTool = {
      type: 'function',
      function: { name: 'get_weather', parameters: weatherTool.input_schema as Record<string, unknown> },
    };
    const question: OpenAI.ChatCompletionMessageParam = {
      role: 'user',
      content: 'What is the weather in Paris?',
    };
    const first = await openai.chat.completions.create({
      model: 'gemini',
      messages: [question],
      tools: [weather],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');

    const second = await openai.chat.completions.create({
      model: 'gemini',
      tools: [weather],
      messages: [
        question,
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call!.id, content: 'snow' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('The tool returned: snow');
  });

  it('answers JSON mode', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const completion = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'Give me a number' }],
      response_format: { type: 'json_schema', json_schema: { name: 'number', schema } },
    });
    expect(typeof JSON.parse(completion.choices[0]?.message.content ?? '').answer).toBe('number');
    expect(lastRequest('vx-a').body).toMatchObject({
      generationConfig: { responseMimeType: 'application/json' },
    });
  });

  it('fails a stream over invisibly when Gemini errors before any content', async () => {
    stack.sim.setFault({ host: 'vx-a', fault: { type: 'stream_error', afterChunks: 0 } });
    const stream = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'echo: spared again' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('spared again');
    expect(upstreamCallsTo(stack, 'vx-b')).toBe(1);
  });

  it('ends the stream with an error event when Gemini fails after content', async () => {
    stack.sim.setFault({ host: 'vx-a', fault: { type: 'stream_error', afterChunks: 2 } });
    const stream = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'echo: a b c d e f' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect('a b c d e f'.startsWith(text) && text.length > 0 && text !== 'a b c d e f').toBe(true);
    expect(upstreamCallsTo(stack, 'vx-b')).toBe(0);
  });
});

describe('vertex provider errors (DESIGN.md section 6)', () => {
  interface ErrorCase {
    what: string;
    model: 'claude-solo' | 'gemini-solo';
    status: number;
    errorType?: string;
    failureClass: FailureClass;
    /** What the client gets: each model has one deployment, so the class's own status. */
    clientStatus: number;
  }
  const cases: ErrorCase[] = [
    // Anthropic-shaped: what the Claude model behind Vertex says.
    {
      what: 'Claude 529 overloaded_error',
      model: 'claude-solo',
      status: 529,
      errorType: 'overloaded_error',
      failureClass: 'overloaded',
      clientStatus: 503,
    },
    {
      what: 'Claude 400 invalid_request_error',
      model: 'claude-solo',
      status: 400,
      errorType: 'invalid_request_error',
      failureClass: 'client_error',
      clientStatus: 400,
    },
    {
      what: 'Claude 500 api_error',
      model: 'claude-solo',
      status: 500,
      errorType: 'api_error',
      failureClass: 'server_error',
      clientStatus: 502,
    },
    // Google-shaped: what Vertex's front door says (the 429 comes wrapped in an array).
    {
      what: 'Claude 429 from the front door',
      model: 'claude-solo',
      status: 429,
      failureClass: 'rate_limited',
      clientStatus: 429,
    },
    {
      what: 'Claude 401 from the front door',
      model: 'claude-solo',
      status: 401,
      failureClass: 'auth',
      clientStatus: 502,
    },
    {
      what: 'Claude 403 from the front door',
      model: 'claude-solo',
      status: 403,
      failureClass: 'auth',
      clientStatus: 502,
    },
    {
      what: 'Claude 404 from the front door',
      model: 'claude-solo',
      status: 404,
      failureClass: 'not_found',
      clientStatus: 404,
    },
    {
      what: 'Claude 504 DEADLINE_EXCEEDED',
      model: 'claude-solo',
      status: 504,
      failureClass: 'timeout',
      clientStatus: 504,
    },
    {
      what: 'Gemini 503 UNAVAILABLE',
      model: 'gemini-solo',
      status: 503,
      errorType: 'UNAVAILABLE',
      failureClass: 'overloaded',
      clientStatus: 503,
    },
    {
      what: 'Gemini 429 RESOURCE_EXHAUSTED',
      model: 'gemini-solo',
      status: 429,
      errorType: 'RESOURCE_EXHAUSTED',
      failureClass: 'rate_limited',
      clientStatus: 429,
    },
    {
      what: 'Gemini 500 INTERNAL',
      model: 'gemini-solo',
      status: 500,
      errorType: 'INTERNAL',
      failureClass: 'server_error',
      clientStatus: 502,
    },
    {
      what: 'Gemini 400 FAILED_PRECONDITION',
      model: 'gemini-solo',
      status: 400,
      errorType: 'FAILED_PRECONDITION',
      failureClass: 'client_error',
      clientStatus: 400,
    },
  ];

  it.each(cases)('classifies $what as $failureClass (client: $clientStatus)', async (error) => {
    const deployment = `vx-a/${error.model === 'claude-solo' ? CLAUDE : GEMINI}`;
    const before = await attemptsOf(deployment, error.failureClass);
    stack.sim.setFault({
      host: 'vx-a',
      fault: {
        type: 'status',
        status: error.status,
        ...(error.errorType === undefined ? {} : { errorType: error.errorType }),
      },
    });
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: error.model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();

    expect(response.status).toBe(error.clientStatus);
    // A lone deployment may be retried once for some classes (DESIGN.md section 6): at least one more.
    expect(await attemptsOf(deployment, error.failureClass)).toBeGreaterThan(before);
  });

  it('classifies a refused grant as auth: fails over, disables the deployment, alerts naming the provider, leaks nothing', async () => {
    const { data, response } = await anthropic.messages
      .create({
        model: 'revoked',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'echo: served anyway' }],
      })
      .withResponse();

    expect(textOf(data)).toBe('served anyway');
    expect(response.headers.get('x-detour-deployment')).toBe(`vx-b/${CLAUDE}`);
    // The grant was refused at the token endpoint: the host itself was never called.
    expect(upstreamCallsTo(stack, 'vx-r')).toBe(0);
    expect(stack.detour.state.health.status(`vx-revoked/${CLAUDE}`).disabled).toBe('auth');

    await stack.detour.status.detector.evaluate();
    const alertsResponse = await fetch(`${stack.detour.url}/admin/alerts`, {
      headers: { authorization: 'Bearer admin-secret' },
    });
    const text = await alertsResponse.text();
    const { alerts } = JSON.parse(text) as {
      alerts: Array<{ kind: string; provider: string; message: string }>;
    };
    const alert = alerts.find((candidate) => candidate.provider === 'vx-revoked');
    expect(alert).toMatchObject({ kind: 'auth', provider: 'vx-revoked' });
    expect(alert?.message).toContain('Provider "vx-revoked"');
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('names the provider whose grant was refused, and nothing secret, when no deployment is left', async () => {
    stack.detour.state.health.breaker(`vx-b/${CLAUDE}`).drain();
    const response = await fetch(`${stack.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'revoked', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();

    expect(response.status).toBe(502);
    expect(text).toContain('provider \\"vx-revoked\\"');
    expect(text).toContain('invalid_grant');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(revokedPrivateKey.split('\n')[1]);
    expect(text).not.toContain('ya29.');
  });
});

describe('vertex provider credentials at start', () => {
  it('refuses to start on a key file that cannot be read, naming the provider and the file', async () => {
    const yaml = `
providers:
  vx: { protocol: vertex, project: p, region: us-east5, credentials: /nonexistent/detour-sa.json }
models:
  m: { deployments: [ { provider: vx, model: ${CLAUDE} } ] }
`;
    const store = new SqliteStore({ path: ':memory:' });
    await expect(
      startGateway(parseConfig(yaml, 'bad.yaml', {}), { port: 0, logger: false, store }),
    ).rejects.toThrow(
      'provider "vx": credentials file "/nonexistent/detour-sa.json" cannot be read (ENOENT)',
    );
    // The failed start closed the store it was given: nothing is left open.
    await expect(store.listClientKeys()).rejects.toThrow(/not open/);
  });

  it('refuses a key file that is not a service-account key, without quoting it', async () => {
    const path = join(account.keyFile, '..', 'user-credentials.json');
    writeFileSync(path, JSON.stringify({ type: 'authorized_user', refresh_token: 'REFRESH-SECRET' }));
    const yaml = `
providers:
  vx: { protocol: vertex, project: p, region: us-east5, credentials: ${path} }
models:
  m: { deployments: [ { provider: vx, model: ${CLAUDE} } ] }
`;
    const error = await startGateway(parseConfig(yaml, 'bad.yaml', {}), {
      port: 0,
      logger: false,
      store: new SqliteStore({ path: ':memory:' }),
    }).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toBe(
      `provider "vx": credentials file ${JSON.stringify(path)} is not a service-account key (type is "authorized_user", expected "service_account")`,
    );
    expect((error as Error).message).not.toContain('REFRESH-SECRET');
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
