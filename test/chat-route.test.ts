import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import type { RequestLogRow } from '../src/store/index.js';
import { createKey } from './support/client-keys.js';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// The chat route's own edges over real HTTP in front of the simulator: bodies that are no JSON
// object, an unknown model, the request-log facts it fills in (timings on a clock that stands still,
// so every duration the gateway measures is exactly 0; outcomes; bodies; route reasons), the passive
// quality signals, and what a client key's admission sees of a request.

const ADMIN_KEY = 'chat-route-admin';
const clock = new ManualClock(1_800_000_000_000);
let stack: Stack;

async function chat(surface: 'openai' | 'anthropic', body: string) {
  const path = surface === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  const response = await fetch(`${stack.detour.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function admin<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.detour.url}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function logRows(query = ''): Promise<RequestLogRow[]> {
  await stack.detour.requestLog?.flush();
  return (await admin<{ rows: RequestLogRow[] }>(`/admin/requests?limit=100${query}`)).rows;
}

async function logRow(id: string): Promise<RequestLogRow | undefined> {
  return (await logRows()).find((row) => row.id === id);
}

interface PassiveRow {
  deployment: string;
  passive: { answers: number; emptyShare: number } | null;
}

async function passiveOf(deployment: string): Promise<PassiveRow['passive'] | undefined> {
  const read = await admin<{ deployments: PassiveRow[] }>('/admin/quality');
  return read.deployments.find((row) => row.deployment === deployment)?.passive;
}

/** Resolves once `check` holds, looking again on each turn of the event loop's timers. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let round = 0; round < 2_000; round += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
  c: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/c/v1 }
  d: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/d/v1 }
  e: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/e/v1 }
  f: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/f/v1 }
  g: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/g/v1 }
  h: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/h/v1 }
  i: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/i/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  solo: { deployments: [ { provider: a, model: up-solo } ] }
  quiet: { deployments: [ { provider: c, model: up-quiet } ] }
  cut: { deployments: [ { provider: c, model: up-cut } ] }
  slow:
    deployments: [ { provider: d, model: up-slow } ]
    timeouts: { firstToken: 60s, total: 120s }
  logged:
    deployments: [ { provider: a, model: up-logged } ]
    log: { bodies: true }
  tiny:
    deployments: [ { provider: a, model: up-tiny } ]
    contextWindow: 50
  nowin:
    deployments: [ { provider: e, model: up-nowin } ]
    fallbacks: [midwin]
  midwin:
    deployments: [ { provider: f, model: up-midwin } ]
    contextWindow: 950
  short:
    deployments: [ { provider: g, model: up-café } ]
    contextWindow: 950
    fallbacks: [roomy]
  roomy:
    deployments: [ { provider: h, model: up-roomy } ]
    contextWindow: 100000
  narrow:
    deployments: [ { provider: g, model: up-narrow } ]
    contextWindow: 950
    fallbacks: [broken]
  broken:
    deployments: [ { provider: i, model: up-broken } ]
    contextWindow: 100000
timeouts: { connect: 1s, firstToken: 2s, idle: 2s, total: 10s }
server: { adminKey: ${ADMIN_KEY} }
health: { probes: { enabled: false } }
`,
    detour: { clock },
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('chat route bodies', () => {
  it('answers 400 for a JSON body that is not an object, on both surfaces', async () => {
    for (const body of ['"hello"', '42', 'null', '[]', '[{"model":"m"}]']) {
      const openai = await chat('openai', body);
      expect(openai.status, body).toBe(400);
      expect(openai.headers.get('x-request-id'), body).toMatch(/\S/);
      expect((JSON.parse(openai.text) as { error: { message: string } }).error.message, body).toBe(
        'request body must be a JSON object',
      );
      const anthropic = await chat('anthropic', body);
      expect(anthropic.status, body).toBe(400);
      expect(JSON.parse(anthropic.text), body).toMatchObject({
        type: 'error',
        error: { message: 'request body must be a JSON object' },
      });
    }
  });

  it('answers 404 naming an unknown model', async () => {
    const response = await chat('openai', '{"model":"nope","messages":[{"role":"user","content":"hi"}]}');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({
      error: { message: "The model 'nope' does not exist", param: 'model' },
    });
  });
});

describe('chat route timings', () => {
  it('measures a complete answer from the request’s own start', async () => {
    const response = await chat(
      'openai',
      '{"model":"m","messages":[{"role":"user","content":"echo: timed"}]}',
    );
    expect(response.status).toBe(200);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ time: clock.now(), latencyMs: 0, timeToFirstTokenMs: null, stream: false });
  });

  it('measures a stream’s first token and end from the request’s own start', async () => {
    const response = await chat(
      'openai',
      '{"model":"solo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"echo: streamed"}]}',
    );
    expect(response.status).toBe(200);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({
      latencyMs: 0,
      timeToFirstTokenMs: 0,
      stream: true,
      finishReason: 'stop',
      requestBody: null,
      responseBody: null,
    });
    const metrics = await (await fetch(`${stack.detour.url}/metrics`)).text();
    expect(metrics).toContain('detour_request_duration_seconds_sum{model="solo"} 0');
    expect(metrics).toContain('detour_request_duration_seconds_count{model="solo"} 1');
  });
});

describe('chat route outcomes', () => {
  it('counts a stream that carried no content as an empty answer for the passive signals', async () => {
    const response = await chat(
      'openai',
      '{"model":"quiet","stream":true,"messages":[{"role":"user","content":"echo:"}]}',
    );
    expect(response.status).toBe(200);
    expect(response.text).toContain('data: [DONE]');
    expect(await passiveOf('c/up-quiet')).toMatchObject({ answers: 1, emptyShare: 1 });
  });

  it('leaves a stream cut by the host out of the passive signals', async () => {
    stack.sim.setFault({ host: 'c', fault: { type: 'stream_error', afterChunks: 1 }, times: 1 });
    const response = await chat(
      'openai',
      '{"model":"cut","stream":true,"messages":[{"role":"user","content":"echo: one two three four"}]}',
    );
    expect(response.status).toBe(200);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row?.outcome).toBe('server_error');
    expect(await passiveOf('c/up-cut')).toBeNull();
  });

  it('logs a request whose client left before the answer as abandoned', async () => {
    stack.sim.setFault({ host: 'd', fault: { type: 'latency', ms: 60_000 }, times: 1 });
    const before = stack.sim.stats().hosts.d?.requests ?? 0;
    const controller = new AbortController();
    const pending = fetch(`${stack.detour.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"slow","messages":[{"role":"user","content":"echo: wait"}]}',
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await until(() => (stack.sim.stats().hosts.d?.requests ?? 0) > before);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    let rows: RequestLogRow[] = [];
    await until(async () => {
      rows = await logRows('&model=slow');
      return rows.length > 0;
    });
    expect(rows.map((row) => [row.requestedModel, row.outcome, row.answeringModel])).toStrictEqual([
      ['slow', 'abandoned', null],
    ]);
  });
});

describe('chat route request log', () => {
  it('keeps a logged model’s stream exactly as the client received it', async () => {
    const response = await chat(
      'openai',
      '{"model":"logged","stream":true,"messages":[{"role":"user","content":"echo: one two three four five six"}]}',
    );
    expect(response.status).toBe(200);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row?.responseBody).toBe(response.text);
    expect(JSON.parse(row?.requestBody ?? '{}')).toMatchObject({ model: 'logged', stream: true });
  });

  it('stores the first 64 KiB of a long logged stream and counts every character left out', async () => {
    const words = Array.from({ length: 12_000 }, (_, index) => `w${index}`).join(' ');
    const response = await chat(
      'openai',
      JSON.stringify({
        model: 'logged',
        stream: true,
        messages: [{ role: 'user', content: `echo: ${words}` }],
      }),
    );
    expect(response.status).toBe(200);
    expect(response.text.length).toBeGreaterThan(2 * 65_536);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    // Regression: a stream stopped collecting just past the limit, and the note counted only what
    // it had collected past it, not the rest of the answer.
    expect(row?.responseBody).toBe(
      `${response.text.slice(0, 65_536)}…[${response.text.length - 65_536} more characters not stored]`,
    );
  });

  it('logs a prompt too long for every window with its failure class, not as abandoned', async () => {
    const prompt = 'hello '.repeat(1_000);
    const response = await chat(
      'openai',
      JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: prompt }] }),
    );
    expect(response.status).toBe(400);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ requestedModel: 'tiny', status: 400, outcome: 'client_error', attempts: [] });
  });

  it('logs the route reason of a prompt moved past a window too small, in ASCII on the header', async () => {
    const prompt = 'hello '.repeat(2_000);
    const response = await chat(
      'openai',
      JSON.stringify({ model: 'short', messages: [{ role: 'user', content: prompt }] }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-detour-model')).toBe('roomy');
    const header = response.headers.get('x-detour-route-reason') ?? '';
    expect(header).toMatch(/^skipped g\/up-caf\? \(window 950 < ~\d+ tokens\)$/);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row?.routeReason).toBe(header.replace('up-caf?', 'up-café'));
  });

  it('logs the route reason of a request that failed after it was moved past a window', async () => {
    stack.sim.setFault({ host: 'i', fault: { type: 'status', status: 500 } });
    const response = await chat(
      'openai',
      JSON.stringify({ model: 'narrow', messages: [{ role: 'user', content: 'hello '.repeat(2_000) }] }),
    );
    stack.sim.clearFaults();
    expect(response.status).toBe(502);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row?.outcome).toBe('server_error');
    expect(row?.routeReason).toMatch(/^skipped g\/up-narrow \(window 950 < ~\d+ tokens\)$/);
  });

  it('skips a fallback whose window is no larger than the estimate after a host refused the prompt as too long', async () => {
    stack.sim.setFault({
      host: 'e',
      fault: { type: 'status', status: 400, errorCode: 'context_length_exceeded' },
      times: 1,
    });
    const before = stack.sim.stats().hosts.f?.requests ?? 0;
    const prompt = 'hello '.repeat(1_000);
    const response = await chat(
      'openai',
      JSON.stringify({ model: 'nowin', messages: [{ role: 'user', content: prompt }] }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'context_length_exceeded' } });
    expect(stack.sim.stats().hosts.f?.requests ?? 0).toBe(before);
  });
});

describe('chat route with client keys', () => {
  let keyed: Stack;

  beforeAll(async () => {
    keyed = await startStack({
      config: (simUrl) =>
        `${twoHostConfig(simUrl)}auth: { mode: keys }\nserver: { adminKey: ${ADMIN_KEY} }\nhealth: { probes: { enabled: false } }\n`,
      detour: { clock },
    });
  });

  afterAll(async () => {
    await keyed?.close();
  });

  async function keyedChat(secret: string, body: Record<string, unknown>) {
    const response = await fetch(`${keyed.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: a b c d e' }], ...body }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it('sends the key’s rate-limit headers with a stream', async () => {
    const { secret } = await createKey(keyed.detour, ADMIN_KEY, { name: 'streamer', rpm: 10 });
    const response = await keyedChat(secret, { stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9');
  });

  it('charges the per-minute token limit with the input and output tokens an answer used', async () => {
    const { secret } = await createKey(keyed.detour, ADMIN_KEY, { name: 'counted', tpm: 100_000 });
    const first = await keyedChat(secret, {});
    expect(first.status).toBe(200);
    const usage = (JSON.parse(first.text) as { usage: { prompt_tokens: number; completion_tokens: number } })
      .usage;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const second = await keyedChat(secret, {});
    const remaining = (answer: { headers: Headers }) =>
      Number(answer.headers.get('x-ratelimit-remaining-tokens'));
    // The same request reserves the same amount each time: the difference is what the first used.
    expect(remaining(first) - remaining(second)).toBe(usage.prompt_tokens + usage.completion_tokens);
  });
});
