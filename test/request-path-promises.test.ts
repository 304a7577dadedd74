import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// README promises on the request path, each through the simulator with the vendors' SDKs as
// clients: a test here goes red when the promise it names is broken.

function config(simUrl: string): string {
  return `
providers:
  a:
    protocol: openai-chat
    baseUrl: ${simUrl}/hosts/a/v1
    apiKey: key-a
    headers: { OpenAI-Organization: org-detour, x-team: gateway-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
  ant:
    protocol: anthropic-messages
    baseUrl: ${simUrl}/hosts/ant
    apiKey: key-ant
    anthropicVersion: 2099-12-31
    headers: { x-team: gateway-ant }
models:
  m:            { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  primary:      { deployments: [ { provider: a, model: up-primary } ], fallbacks: [ backup ] }
  backup:       { deployments: [ { provider: b, model: up-backup } ] }
  claude:       { deployments: [ { provider: ant, model: up-claude } ] }
  claude-first: { deployments: [ { provider: ant, model: up-cf }, { provider: b, model: up-cf } ] }
  gpt:          { deployments: [ { provider: b, model: up-gpt } ] }
  mixed:        { deployments: [ { provider: a, model: up-mixed }, { provider: ant, model: up-mixed-ant } ] }
  quick:
    deployments: [ { provider: a, model: up-quick }, { provider: b, model: up-quick } ]
    timeouts: { total: 300ms }
timeouts: { connect: 1s, firstToken: 5s, idle: 5s, total: 10s }
retry: { backoffBase: 5ms, backoffMax: 10ms }
health: { probes: { enabled: false } }
`;
}

let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack({ config });
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

function calls(host: string): number {
  return upstreamCallsTo(stack, host);
}

function aborted(host: string): number {
  return stack.sim.stats().hosts[host]?.aborted ?? 0;
}

function lastSeen(host: string) {
  return stack.sim.stats().hosts[host]?.recent.at(-1);
}

/** The error a rejected SDK call threw, as the SDK's own APIError. */
async function openaiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

/** `detour_requests_total` for one model and outcome, as /metrics serves it now. */
async function requestsCounted(model: string, outcome: string): Promise<number> {
  const metrics = await fetch(`${stack.detour.url}/metrics`).then((response) => response.text());
  const line = metrics
    .split('\n')
    .find((candidate) =>
      candidate.startsWith(`detour_requests_total{model="${model}",outcome="${outcome}"} `),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** The request the client left is counted as abandoned, and not as a failure of the model. */
async function expectAbandonedNotFailed(model: string, before: number): Promise<void> {
  await vi.waitFor(async () => expect(await requestsCounted(model, 'abandoned')).toBe(before + 1), {
    timeout: 5_000,
  });
  // The model's status is what its users got: a client walking away is not an outage.
  expect(stack.detour.state.requestWindow(model)?.read(60_000).failures ?? 0).toBe(0);
}

// Long enough that, at a token every 500 ms, the host is still streaming when the client leaves.
const LONG_ECHO = `echo: ${Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ')}`;

describe('client disconnect', () => {
  it('aborts the upstream stream when the client leaves mid-stream', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'slow_tokens', ms: 500 } });
    const abandonedBefore = await requestsCounted('m', 'abandoned');
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: LONG_ECHO }], stream: true },
      { signal: controller.signal },
    );
    let text = '';
    await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text !== '') controller.abort();
      }
    })().catch(() => undefined);
    expect(text.startsWith('word0')).toBe(true);
    expect(text).not.toContain('word39');
    await vi.waitFor(() => expect(aborted('a')).toBe(1), { timeout: 5_000 });
    expect(lastSeen('a')?.aborted).toBe(true);
    expect(calls('a')).toBe(1);
    expect(calls('b')).toBe(0);
    await expectAbandonedNotFailed('m', abandonedBefore);
  });

  it('aborts the upstream request when the client leaves before a non-streamed answer', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 30_000 } });
    const abandonedBefore = await requestsCounted('m', 'abandoned');
    const controller = new AbortController();
    const request = openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await vi.waitFor(() => expect(calls('a')).toBe(1), { timeout: 5_000 });
    controller.abort();
    expect(await request).toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(aborted('a')).toBe(1), { timeout: 5_000 });
    // The client left: that is no reason to try the next host.
    expect(calls('b')).toBe(0);
    await expectAbandonedNotFailed('m', abandonedBefore);
  });
});

describe('total deadline (per-model override)', () => {
  it('ends a non-streamed request whose host is slower than the model total with 504 naming it', async () => {
    // Slower than the model's 300 ms total, well within the 5 s first-token limit.
    stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 4_000 } });
    const error = await openaiError(
      openai.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('deadline of 300 ms');
    // The deadline covers the whole request: no time is left for the second deployment.
    expect(calls('a')).toBe(1);
    expect(calls('b')).toBe(0);
  });

  it('ends a stream that has sent nothing by the model total with 504 naming it', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 4_000 } });
    const error = await openaiError(
      openai.chat.completions.create({
        model: 'quick',
        messages: [{ role: 'user', content: 'echo: late' }],
        stream: true,
      }),
    );
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('deadline of 300 ms');
    expect(calls('a')).toBe(1);
    expect(calls('b')).toBe(0);
  });
});

describe('untranslatable fields', () => {
  for (const [field, extra] of [
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
  ] as const) {
    it(`answers OpenAI '${field}' for a model served only by an Anthropic host with a 400 naming it`, async () => {
      const error = await openaiError(
        openai.chat.completions.create({
          model: 'claude',
          messages: [{ role: 'user', content: 'hi' }],
          ...extra,
        }),
      );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param).toBe(field);
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain(field);
      expect(calls('ant')).toBe(0);
    });
  }

  it('skips the Anthropic deployment for such a field and serves it from the OpenAI one', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'claude-first', messages: [{ role: 'user', content: 'echo: two' }], n: 2 })
      .withResponse();
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-cf');
    expect(calls('ant')).toBe(0);
    expect(lastSeen('b')?.body).toMatchObject({ n: 2 });
  });

  it("answers Anthropic 'mcp_servers' for a model served only by an OpenAI host with a 400 naming it", async () => {
    const error = await anthropic.messages
      .create({
        model: 'gpt',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
        ...({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] } as object),
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as {
      type: string;
      error: { type: string; message: string };
    };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('mcp_servers');
    expect(calls('b')).toBe(0);
  });
});

describe('every deployment rate-limited', () => {
  it('answers 429 with retry-after = the earliest reset among the hosts', async () => {
    // The earlier reset is the first host's, so "the last error" would give the wrong answer.
    stack.sim.setFault({
      host: 'a',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '3' } },
    });
    stack.sim.setFault({
      host: 'b',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '7' } },
    });
    const error = await openaiError(
      openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('3');
    expect(error.headers?.get('x-detour-attempts')).toBe('2');
    expect(calls('a')).toBe(1);
    expect(calls('b')).toBe(1);
  });
});

describe('x-detour-model', () => {
  it('names the fallback model that answered, in the header and the body', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const { data, response } = await openai.chat.completions
      .create({ model: 'primary', messages: [{ role: 'user', content: 'echo: from the fallback' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('from the fallback');
    expect(response.headers.get('x-detour-model')).toBe('backup');
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-backup');
    expect(data.model).toBe('up-backup');
  });

  it('names the fallback model on a translated stream too', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const { data, response } = await anthropic.messages
      .create({
        model: 'primary',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'echo: streamed fallback' }],
        stream: true,
      })
      .withResponse();
    let model = '';
    let text = '';
    for await (const event of data) {
      if (event.type === 'message_start') model = event.message.model;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('streamed fallback');
    expect(response.headers.get('x-detour-model')).toBe('backup');
    expect(model).toBe('up-backup');
  });

  it('names the requested model when it answered itself', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-detour-model')).toBe('primary');
  });
});

describe('count_tokens', () => {
  it("sends the deployment's upstream model id to its Anthropic host", async () => {
    const counted = await anthropic.messages.countTokens({
      model: 'mixed',
      messages: [{ role: 'user', content: 'count these words please' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const seen = lastSeen('ant');
    expect(seen?.path).toBe('/v1/messages/count_tokens');
    expect(seen?.body).toMatchObject({ model: 'up-mixed-ant' });
    expect(calls('a')).toBe(0);
  });
});

describe('provider settings reach the host', () => {
  it('sends providers.<name>.headers on every request to an OpenAI host', async () => {
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(lastSeen('a')?.headers).toMatchObject({
      'openai-organization': 'org-detour',
      'x-team': 'gateway-a',
      authorization: 'Bearer key-a',
    });
  });

  it('sends anthropicVersion and the headers to an Anthropic host, on messages and count_tokens', async () => {
    await anthropic.messages.create({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await anthropic.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    const seen = stack.sim.stats().hosts.ant?.recent ?? [];
    expect(seen.map((record) => record.path)).toEqual(['/v1/messages', '/v1/messages/count_tokens']);
    for (const record of seen) {
      // The client's SDK sent its own anthropic-version; the host gets the configured one.
      expect(record.headers).toMatchObject({
        'anthropic-version': '2099-12-31',
        'x-team': 'gateway-ant',
        'x-api-key': 'key-ant',
      });
    }
  });
});

describe('total deadline (global)', () => {
  let slowStack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    slowStack = await startStack({
      config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
timeouts: { connect: 1s, firstToken: 5s, idle: 5s, total: 250ms }
health: { probes: { enabled: false } }
`,
    });
    client = new OpenAI({ baseURL: slowStack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  });

  afterAll(async () => {
    await slowStack.close();
  });

  it('ends a request whose host is slower than timeouts.total with 504 naming it', async () => {
    slowStack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 4_000 } });
    const error = await openaiError(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('deadline of 250 ms');
    const hosts = slowStack.sim.stats().hosts;
    expect(hosts.a?.requests).toBe(1);
    expect(hosts.b?.requests ?? 0).toBe(0);
  });
});
