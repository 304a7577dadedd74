import type { IncomingHttpHeaders } from 'node:http';
import {
  type Context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OtlpConfig } from '../../config/index.js';
import { RequestTrace } from './request-trace.js';
import { GEN_AI_OPERATION_NAME, GEN_AI_REQUEST_MODEL } from './span-attributes.js';

/** What a request's span starts from. */
export interface RequestStart {
  /** The model the client asked for. */
  model: string;
  /** The client's wire format (`openai-chat`, `anthropic-messages`). */
  surface: string;
  /** Whether the answer is streamed. */
  stream: boolean;
  /** The client's headers: a W3C `traceparent` there makes the request span its child. */
  headers: IncomingHttpHeaders;
}

/**
 * The gateway's tracer: made only when `telemetry.otlp` is configured, so an untraced gateway has
 * no tracer, no span objects and reads no trace header. No global provider or context manager is
 * registered: context is passed explicitly, so Detour never changes what an embedding app traces.
 */
export class RequestTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator: TextMapPropagator = new W3CTraceContextPropagator();

  constructor(processor: SpanProcessor, serviceName: string) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer('detour');
  }

  /** Opens a request's span, the child of the client's `traceparent` when it sent a valid one. */
  startRequest(start: RequestStart): RequestTrace {
    const parent: Context = this.propagator.extract(ROOT_CONTEXT, start.headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(
      `chat ${start.model}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [GEN_AI_OPERATION_NAME]: 'chat',
          [GEN_AI_REQUEST_MODEL]: start.model,
          'detour.surface': start.surface,
          'detour.stream': start.stream,
        },
      },
      parent,
    );
    return new RequestTrace(this.tracer, this.propagator, span, parent);
  }

  /** Exports what is still batched and stops; called when the gateway closes. */
  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** Where OTLP/HTTP traces go: the base endpoint plus the signal's path, as OTLP exporters do. */
export function tracesUrl(endpoint: string): string {
  return endpoint.endsWith('/v1/traces') ? endpoint : `${endpoint}/v1/traces`;
}

/** A tracer that batches spans and exports them as OTLP/HTTP JSON to the configured collector. */
export function createOtlpTracer(config: OtlpConfig): RequestTracer {
  const exporter = new OTLPTraceExporter({ url: tracesUrl(config.endpoint), headers: { ...config.headers } });
  return new RequestTracer(new BatchSpanProcessor(exporter), config.serviceName);
}
