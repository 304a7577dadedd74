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

/** The two header sets of a Chat Completions host, built once per provider: the hot path only picks one. */
export interface ChatCompletionsHeaders {
  /** For a call answered with one JSON body. */
  json: Readonly<Record<string, string>>;
  /** For a streamed call (SSE). */
  stream: Readonly<Record<string, string>>;
}

/**
 * Headers for Chat Completions calls: JSON content, the configured extra headers, then the
 * credential headers (last, so an extra header cannot replace the configured key by accident).
 */
export function chatCompletionsHeaders(
  extra: Readonly<Record<string, string>> | undefined,
  credentials: Readonly<Record<string, string>>,
): ChatCompletionsHeaders {
  const headers = { 'content-type': 'application/json', ...extra, ...credentials };
  return {
    json: { ...headers, accept: 'application/json' },
    stream: { ...headers, accept: 'text/event-stream' },
  };
}

/** Reads an OpenAI-format error body (or a proxy's non-JSON page) leniently. */
export function readOpenAiErrorDetails(parsed: unknown, text: string): UpstreamErrorDetails {
  return readJsonErrorDetails(openaiChatCodec, parsed, text);
}

/** A host speaking OpenAI's Chat Completions: OpenAI itself, vLLM, Ollama, Together, Groq… */
export class OpenAiCompatibleProvider implements Provider {
  readonly kind = 'openai-chat' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = OPENAI_ERROR_CLASSES;
  private readonly origin: string;
  private readonly path: string;
  // A #private field: JSON.stringify and util.inspect never show it, so the key stays out of any log
  // line that prints the provider.
  readonly #headers: ChatCompletionsHeaders;

  constructor(name: string, settings: OpenAiCompatibleSettings) {
    this.name = name;
    const { origin, basePath } = splitBaseUrl(settings.baseUrl);
    this.origin = origin;
    this.path = `${basePath}/chat/completions`;
    this.endpoint = `${origin}${this.path}`;
    // Built once: the OpenAI-compatible path is the hot one (BENCHMARKS.md).
    this.#headers = chatCompletionsHeaders(
      settings.headers,
      settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
    );
  }

  wireFor(): WireProtocol {
    return 'openai-chat';
  }

  prepareCall(outgoing: OutgoingBody): PreparedCall {
    return {
      origin: this.origin,
      path: this.path,
      headers: outgoing.stream ? this.#headers.stream : this.#headers.json,
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
    return readOpenAiErrorDetails(parsed, text);
  }
}
