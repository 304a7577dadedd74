import type { IncomingHttpHeaders } from 'node:http';
import type { FailureClass, WireProtocol } from '../../core/index.js';
import { openaiChatCodec, type SseMessage, type UpstreamErrorDetails } from '../../protocols/index.js';
import { splitBaseUrl } from '../base-url.js';
import { readSseMessages } from '../framing/read-sse.js';
import type { OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';
import { readJsonErrorDetails } from '../read-error-details.js';

/** Config of an OpenAI-compatible host (`protocol: openai-chat`). */
export interface OpenAiCompatibleSettings {
  protocol: 'openai-chat';
  /** Base URL as OpenAI's SDK expects it (ends in `/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never logged or returned. */
  apiKey?: string | undefined;
  /** Extra headers sent on every request (e.g. an OpenAI-Organization). */
  headers?: Record<string, string> | undefined;
}

/**
 * OpenAI's error types and codes, and those of the OpenAI-compatible servers that matter, that
 * decide the class before the status does. Data, not branches: a new quirk is a new row.
 */
export const OPENAI_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  // OpenAI sends a 429 for an exhausted balance; it is our account's problem, not a rate limit.
  insufficient_quota: 'quota',
  billing_hard_limit_reached: 'quota',
  context_length_exceeded: 'client_error',
  content_policy_violation: 'content_policy',
  content_filter: 'content_policy',
  model_not_found: 'not_found',
  invalid_api_key: 'auth',
  // Some OpenAI-compatible hosts (vLLM, Together) say "overloaded" with a 503.
  overloaded: 'overloaded',
  engine_overloaded: 'overloaded',
};

/** A host speaking OpenAI's Chat Completions: OpenAI itself, vLLM, Ollama, Together, Groq… */
export class OpenAiCompatibleProvider implements Provider {
  readonly kind = 'openai-chat' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = OPENAI_ERROR_CLASSES;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;

  constructor(name: string, settings: OpenAiCompatibleSettings) {
    this.name = name;
    const { origin, basePath } = splitBaseUrl(settings.baseUrl);
    this.origin = origin;
    this.path = `${basePath}/chat/completions`;
    this.endpoint = `${origin}${this.path}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...settings.headers };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    // Built once: the OpenAI-compatible path is the hot one (BENCHMARKS.md).
    this.headers = { ...headers, accept: 'application/json' };
    this.streamHeaders = { ...headers, accept: 'text/event-stream' };
  }

  wireFor(): WireProtocol {
    return 'openai-chat';
  }

  prepareCall(outgoing: OutgoingBody): PreparedCall {
    return {
      origin: this.origin,
      path: this.path,
      headers: outgoing.stream ? this.streamHeaders : this.headers,
      body: JSON.stringify(outgoing.body),
    };
  }

  readStream(body: AsyncIterable<Buffer | string>): AsyncIterable<SseMessage> {
    return readSseMessages(body);
  }

  readErrorDetails(
    _model: string,
    _headers: IncomingHttpHeaders,
    parsed: unknown,
    text: string,
  ): UpstreamErrorDetails {
    return readJsonErrorDetails(openaiChatCodec, parsed, text);
  }
}
