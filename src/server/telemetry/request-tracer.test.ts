import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../providers/index.js';
import type { AttemptRecord, Deployment } from '../../routing/index.js';
import type { RequestFacts } from '../../usage/index.js';
import { RequestTracer, tracesUrl } from './request-tracer.js';

const exporter = new InMemorySpanExporter();
const tracer = new RequestTracer(new SimpleSpanProcessor(exporter), 'unit');

afterEach(() => exporter.reset());

function deployment(kind: 'openai-chat' | 'anthropic-messages', host: string): Deployment {
  const provider =
    kind === 'openai-chat'
      ? createProvider(host, { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' })
      : createProvider(host, { protocol: 'anthropic-messages', baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });
  return {
    modelName: 'm',
    provider,
    deploymentId: `${host}/up-m`,
    upstreamModel: 'up-m',
    timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
  };
}

function record(deploymentId: string): AttemptRecord {
  return { deploymentId, outcome: 'success', startedAt: 0, latencyMs: 0 };
}

function facts(extra: Partial<RequestFacts> = {}): RequestFacts {
  return {
    id: 'r1',
    startedAt: 0,
    endedAt: 0,
    key: null,
    surface: 'openai-chat',
    stream: false,
    requestedModel: 'm',
    attempts: [],
    status: 200,
    outcome: 'success',
    ...extra,
  };
}

describe('RequestTracer', () => {
  it('starts a new trace when the client traceparent is malformed', () => {
    const trace = tracer.startRequest({
      model: 'm',
      surface: 'openai-chat',
      stream: false,
      headers: { traceparent: '00-not-a-trace-01' },
    });
    const attemptRecord = record('a/up-m');
    const headers = trace.attemptStarted(deployment('openai-chat', 'a'), attemptRecord);
    trace.attemptSettled(deployment('openai-chat', 'a'), attemptRecord);
    trace.end(facts());
    const [attempt, request] = exporter.getFinishedSpans();
    expect(request?.parentSpanContext).toBeUndefined();
    expect(headers.traceparent).toBe(
      `00-${request?.spanContext().traceId}-${attempt?.spanContext().spanId}-01`,
    );
  });

  it('keeps a client that did not sample: nothing is recorded, and the flag goes upstream unsampled', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const trace = tracer.startRequest({
      model: 'm',
      surface: 'openai-chat',
      stream: false,
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` },
    });
    const headers = trace.attemptStarted(deployment('openai-chat', 'a'), record('a/up-m'));
    trace.end(facts());
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
  });

  it('names the provider by its kind when the conventions know it, else by its config name', () => {
    const trace = tracer.startRequest({ model: 'm', surface: 'openai-chat', stream: false, headers: {} });
    const first = record('ant/up-m');
    const second = record('local/up-m');
    trace.attemptStarted(deployment('anthropic-messages', 'ant'), first);
    trace.attemptStarted(deployment('openai-chat', 'local'), second);
    trace.attemptSettled(deployment('anthropic-messages', 'ant'), first);
    trace.attemptSettled(deployment('openai-chat', 'local'), second);
    trace.end(facts({ served: { modelName: 'm', deploymentId: 'local/up-m' } }));
    const names = exporter.getFinishedSpans().map((span) => span.attributes['gen_ai.provider.name']);
    expect(names).toEqual(['anthropic', 'local', 'local']);
  });
});

describe('tracesUrl', () => {
  it('adds the traces path to a base endpoint and keeps a full one', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otlp.example/v1/traces')).toBe('https://otlp.example/v1/traces');
  });
});
