import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, type StackOptions, startStack, twoHostConfig } from './support/start-stack.js';

/** One attribute value as OTLP/HTTP JSON writes it. */
interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}

/** The fields of an exported span these tests read. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}

interface OtlpBody {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: OtlpValue }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

/** OTLP span kinds and status codes (opentelemetry-proto trace.proto). */
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/** A minimal OTLP/HTTP collector: keeps every JSON body POSTed to /v1/traces. */
class OtlpReceiver {
  readonly bodies: OtlpBody[] = [];
  readonly contentTypes: string[] = [];
  readonly apiKeys: string[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          this.contentTypes.push(request.headers['content-type'] ?? '');
          this.apiKeys.push(String(request.headers['x-collector-key'] ?? ''));
          this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): OtlpSpan[] {
    return this.bodies.flatMap((body) =>
      body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
    );
  }

  serviceNames(): string[] {
    return this.bodies.flatMap((body) =>
      body.resourceSpans.map((resource) => attributeValue(resource.resource.attributes, 'service.name')),
    ) as string[];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function attributeValue(
  attributes: Array<{ key: string; value: OtlpValue }>,
  key: string,
): string | number | boolean | undefined {
  const value = attributes.find((attribute) => attribute.key === key)?.value;
  if (value === undefined) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  return attributeValue(span.attributes, key);
}

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

let receiver: OtlpReceiver | undefined;
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

/** A stack whose Detour exports to a fresh receiver; `config` defaults to the two-host config. */
async function tracedStack(
  config: (simUrl: string) => string = twoHostConfig,
  options: Omit<StackOptions, 'config'> = {},
): Promise<{ stack: Stack; receiver: OtlpReceiver }> {
  const started = new OtlpReceiver();
  receiver = started;
  const endpoint = await started.listen();
  stack = await startStack({
    ...options,
    config: (simUrl) =>
      `${config(simUrl)}telemetry: { otlp: { endpoint: "${endpoint}", headers: { x-collector-key: ck-1 }, serviceName: detour-test } }\n`,
  });
  return { stack, receiver: started };
}

/** Two OpenAI-protocol hosts for model `m`, with a tail of model settings. */
function hostsWith(modelSettings: string, rest = '') {
  return (simUrl: string) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ], ${modelSettings} }
${rest}
`;
}

async function chat(target: Stack, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${target.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
}

/** The upstream requests' `traceparent` headers, split into trace id and parent span id. */
function upstreamParents(target: Stack, host: string): Array<{ traceId: string; parentId: string }> {
  return (target.sim.stats().hosts[host]?.recent ?? []).map((record) => {
    const [, traceId = '', parentId = ''] = (record.headers.traceparent ?? '').split('-');
    return { traceId, parentId };
  });
}

describe('OpenTelemetry traces', () => {
  it('exports a failed-over request as one SERVER span and a CLIENT span per attempt, in the client trace', async () => {
    const { stack: traced, receiver: collector } = await tracedStack();
    traced.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const response = await chat(traced, {}, { traceparent: CLIENT_TRACEPARENT, tracestate: 'vendor=abc' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
    const answer = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    await traced.close();
    stack = undefined;

    expect(collector.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
    expect(collector.apiKeys.every((key) => key === 'ck-1')).toBe(true);
    expect(collector.serviceNames()).toContain('detour-test');
    const spans = collector.spans();
    const servers = spans.filter((span) => span.kind === SPAN_KIND_SERVER);
    const clients = spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(servers).toHaveLength(1);
    const request = servers[0] as OtlpSpan;
    // The client's trace is kept and its span is the request span's parent.
    expect(request.traceId).toBe(CLIENT_TRACE_ID);
    expect(request.parentSpanId).toBe(CLIENT_SPAN_ID);
    expect(request.name).toBe('chat m');
    expect(attr(request, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(request, 'gen_ai.request.model')).toBe('m');
    expect(attr(request, 'gen_ai.response.model')).toBe('up-m');
    expect(attr(request, 'gen_ai.provider.name')).toBe('b');
    expect(attr(request, 'gen_ai.usage.input_tokens')).toBe(answer.usage.prompt_tokens);
    expect(attr(request, 'gen_ai.usage.output_tokens')).toBe(answer.usage.completion_tokens);
    expect(answer.usage.completion_tokens).toBeGreaterThan(0);
    expect(attr(request, 'detour.answering_model')).toBe('m');
    expect(attr(request, 'detour.deployment')).toBe('b/up-m');
    expect(attr(request, 'detour.attempts')).toBe(2);
    expect(attr(request, 'http.response.status_code')).toBe(200);
    expect(request.status?.code).not.toBe(STATUS_ERROR);

    expect(clients.map((span) => attr(span, 'detour.deployment'))).toEqual(['a/up-m', 'b/up-m']);
    expect(clients.map((span) => attr(span, 'detour.attempt'))).toEqual([1, 2]);
    for (const span of clients) {
      expect(span.traceId).toBe(CLIENT_TRACE_ID);
      expect(span.parentSpanId).toBe(request.spanId);
      expect(span.name).toBe('chat up-m');
      expect(attr(span, 'gen_ai.operation.name')).toBe('chat');
      expect(attr(span, 'gen_ai.request.model')).toBe('up-m');
      expect(attr(span, 'detour.hedge')).toBe(false);
      expect(attr(span, 'detour.continuation')).toBe(false);
    }
    const [failed, answered] = clients as [OtlpSpan, OtlpSpan];
    expect(attr(failed, 'detour.failure_class')).toBe('server_error');
    expect(attr(failed, 'error.type')).toBe('server_error');
    expect(attr(failed, 'http.response.status_code')).toBe(500);
    expect(failed.status?.code).toBe(STATUS_ERROR);
    expect(attr(failed, 'gen_ai.provider.name')).toBe('a');
    expect(attr(answered, 'detour.failure_class')).toBeUndefined();
    expect(attr(answered, 'gen_ai.response.model')).toBe('up-m');
    expect(attr(answered, 'http.response.status_code')).toBe(200);
    expect(answered.status?.code).not.toBe(STATUS_ERROR);

    // Each host saw the trace, with its own attempt span as the parent: the client's traceparent
    // was replaced, not passed along.
    expect(upstreamParents(traced, 'a')).toEqual([{ traceId: CLIENT_TRACE_ID, parentId: failed.spanId }]);
    expect(upstreamParents(traced, 'b')).toEqual([{ traceId: CLIENT_TRACE_ID, parentId: answered.spanId }]);
    expect(traced.sim.stats().hosts.b?.recent[0]?.headers.tracestate).toBe('vendor=abc');
  });

  it('traces a failed-over stream, with its usage, and starts a new trace without a client traceparent', async () => {
    const { stack: traced, receiver: collector } = await tracedStack();
    traced.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    const response = await chat(traced, { stream: true, stream_options: { include_usage: true } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('data: [DONE]');
    await traced.close();
    stack = undefined;

    const spans = collector.spans();
    const request = spans.find((span) => span.kind === SPAN_KIND_SERVER) as OtlpSpan;
    const clients = spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(spans.filter((span) => span.kind === SPAN_KIND_SERVER)).toHaveLength(1);
    expect(request.parentSpanId ?? '').toBe('');
    expect(request.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(attr(request, 'detour.stream')).toBe(true);
    expect(attr(request, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
    expect(attr(request, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
    expect(clients.map((span) => attr(span, 'detour.failure_class'))).toEqual(['server_error', undefined]);
    expect(clients.every((span) => span.parentSpanId === request.spanId)).toBe(true);
    expect(upstreamParents(traced, 'b')).toEqual([
      { traceId: request.traceId, parentId: (clients[1] as OtlpSpan).spanId },
    ]);
  });

  it('marks a stream continued on another host with detour.continuation', async () => {
    const { stack: traced, receiver: collector } = await tracedStack(
      hostsWith(
        'streams: { recovery: continue }',
        'timeouts: { connect: 1s, firstToken: 2s, idle: 1s, total: 20s }',
      ),
      { sim: { timeToFirstTokenMs: 0, tokenIntervalMs: 2 } },
    );
    traced.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 10 }, times: 1 });
    const words = Array.from({ length: 30 }, (_, index) => `w${index + 1}`).join(' ');
    const response = await chat(traced, {
      stream: true,
      messages: [{ role: 'user', content: `echo: ${words}` }],
    });
    expect(await response.text()).toContain('data: [DONE]');
    await traced.close();
    stack = undefined;
    const clients = collector.spans().filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(clients.map((span) => attr(span, 'detour.deployment'))).toEqual(['a/up-m', 'b/up-m']);
    expect(clients.map((span) => attr(span, 'detour.continuation'))).toEqual([false, true]);
    expect(attr(clients[0] as OtlpSpan, 'detour.failure_class')).toBeDefined();
    expect(attr(clients[1] as OtlpSpan, 'detour.failure_class')).toBeUndefined();
  });

  it('marks a hedge with detour.hedge, and the attempt it beat as abandoned, not failed', async () => {
    const clock = new OffsetClock();
    const { stack: traced, receiver: collector } = await tracedStack(
      hostsWith(
        'hedging: { maxShare: 0.05, floor: 50ms }',
        'retry: { budgetMinConcurrent: 100 }\ntimeouts: { firstToken: 20s }\nhealth: { probes: { enabled: false } }',
      ),
      { detour: { clock } },
    );
    // Twenty quick answers give a/up-m the baseline a hedge is timed by (read once a second).
    for (let index = 0; index < 20; index += 1) await (await chat(traced, { stream: true })).text();
    clock.advance(1_100);
    traced.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 10_000 }, times: 1 });
    const response = await chat(traced, { stream: true }, { traceparent: CLIENT_TRACEPARENT });
    expect(response.headers.get('x-detour-deployment')).toBe('b/up-m');
    await response.text();
    // The loser is aborted and settled after the winner answered; its span closes then.
    await expect.poll(() => traced.sim.stats().hosts.a?.aborted).toBe(1);
    await traced.close();
    stack = undefined;
    const inTrace = collector.spans().filter((span) => span.traceId === CLIENT_TRACE_ID);
    const request = inTrace.find((span) => span.kind === SPAN_KIND_SERVER) as OtlpSpan;
    const clients = inTrace.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(clients).toHaveLength(2);
    const first = clients.find((span) => attr(span, 'detour.deployment') === 'a/up-m') as OtlpSpan;
    const hedge = clients.find((span) => attr(span, 'detour.deployment') === 'b/up-m') as OtlpSpan;
    expect(attr(first, 'detour.hedge')).toBe(false);
    expect(attr(first, 'detour.abandoned')).toBe(true);
    expect(first.status?.code).not.toBe(STATUS_ERROR);
    expect(attr(hedge, 'detour.hedge')).toBe(true);
    expect(attr(hedge, 'detour.attempt')).toBe(2);
    expect(hedge.parentSpanId).toBe(request.spanId);
    expect(attr(request, 'detour.deployment')).toBe('b/up-m');
  });

  it('marks the request span an error when every attempt fails', async () => {
    const { stack: traced, receiver: collector } = await tracedStack();
    traced.sim.setFault({ host: '*', fault: { type: 'status', status: 500 } });
    const response = await chat(traced, {});
    expect(response.status).toBeGreaterThanOrEqual(500);
    await traced.close();
    stack = undefined;
    const request = collector.spans().find((span) => span.kind === SPAN_KIND_SERVER) as OtlpSpan;
    expect(request.status?.code).toBe(STATUS_ERROR);
    expect(attr(request, 'error.type')).toBe('server_error');
    expect(attr(request, 'http.response.status_code')).toBe(response.status);
    expect(attr(request, 'detour.answering_model')).toBeUndefined();
  });

  it('exports nothing and sends no traceparent upstream when telemetry is not configured', async () => {
    const collector = new OtlpReceiver();
    receiver = collector;
    const endpoint = await collector.listen();
    // The OTLP exporters read this variable: an unconfigured Detour must not make one that does.
    const previous = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    try {
      stack = await startStack();
      expect(stack.detour.app).toBeDefined();
      const response = await chat(stack, {}, { traceparent: CLIENT_TRACEPARENT });
      expect(response.status).toBe(200);
      await response.text();
      const stream = await chat(stack, { stream: true });
      await stream.text();
      expect(stack.sim.stats().hosts.a?.recent).toHaveLength(2);
      expect(
        stack.sim.stats().hosts.a?.recent.every((record) => record.headers.traceparent === undefined),
      ).toBe(true);
      await stack.close();
      stack = undefined;
    } finally {
      if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previous;
    }
    expect(collector.bodies).toHaveLength(0);
  });
});
