import type { IncomingHttpHeaders } from 'node:http';
import type { FailureClass, WireProtocol } from '../../core/index.js';
import { anthropicMessagesCodec, type SseMessage, type UpstreamErrorDetails } from '../../protocols/index.js';
import { splitBaseUrl } from '../base-url.js';
import { readSseMessages } from '../framing/read-sse.js';
import type { ClientHeaders, OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';
import { readJsonErrorDetails } from '../read-error-details.js';

/** Config of an Anthropic API host (`protocol: anthropic-messages`). */
export interface AnthropicSettings {
  protocol: 'anthropic-messages';
  /** Base URL as Anthropic's SDK expects it (no `/v1`). */
  baseUrl: string;
  /** Sent as `x-api-key`; never logged or returned. */
  apiKey?: string | undefined;
  /** Extra headers sent on every request. */
  headers?: Record<string, string> | undefined;
  /** `anthropic-version` header. */
  anthropicVersion?: string | undefined;
}

/** Default Anthropic API version header (the one every current SDK accepts). */
const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's error types, which decide the class before the status does. */
export const ANTHROPIC_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  overloaded_error: 'overloaded',
  rate_limit_error: 'rate_limited',
  authentication_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'not_found',
  billing_error: 'quota',
  request_too_large: 'client_error',
  invalid_request_error: 'client_error',
};

/** Client headers an Anthropic host may receive: they opt into beta features the body relies on. */
const PASS_THROUGH_HEADERS = ['anthropic-beta'] as const;

/** Copies the pass-through client headers an Anthropic-format host understands. */
export function passAnthropicHeaders(headers: Record<string, string>, clientHeaders: ClientHeaders): void {
  for (const name of PASS_THROUGH_HEADERS) {
    const value = clientHeaders[name];
    if (typeof value === 'string') headers[name] = value;
  }
}

/** Anthropic's own API: Messages and count_tokens. */
export class AnthropicProvider implements Provider {
  readonly kind = 'anthropic-messages' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = ANTHROPIC_ERROR_CLASSES;
  private readonly origin: string;
  private readonly path: string;
  private readonly countTokensPath: string;
  // #private: the key is in here, and a private field never shows in JSON.stringify or a log of the provider.
  readonly #headers: Record<string, string>;

  constructor(name: string, settings: AnthropicSettings) {
    this.name = name;
    const { origin, basePath } = splitBaseUrl(settings.baseUrl);
    this.origin = origin;
    this.path = `${basePath}/v1/messages`;
    this.countTokensPath = `${basePath}/v1/messages/count_tokens`;
    this.endpoint = `${origin}${this.path}`;
    this.#headers = { 'content-type': 'application/json', ...settings.headers };
    if (settings.apiKey) this.#headers['x-api-key'] = settings.apiKey;
    this.#headers['anthropic-version'] = settings.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION;
  }

  wireFor(): WireProtocol {
    return 'anthropic-messages';
  }

  prepareCall(outgoing: OutgoingBody): PreparedCall {
    return this.call(this.path, outgoing.body, outgoing.clientHeaders, outgoing.stream);
  }

  prepareCountTokens(outgoing: Omit<OutgoingBody, 'stream'>): PreparedCall {
    return this.call(this.countTokensPath, outgoing.body, outgoing.clientHeaders, false);
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
    return readJsonErrorDetails(anthropicMessagesCodec, parsed, text);
  }

  private call(
    path: string,
    body: Record<string, unknown>,
    clientHeaders: ClientHeaders,
    stream: boolean,
  ): PreparedCall {
    const headers = { ...this.#headers, accept: stream ? 'text/event-stream' : 'application/json' };
    passAnthropicHeaders(headers, clientHeaders);
    return { origin: this.origin, path, headers, body: JSON.stringify(body) };
  }
}
