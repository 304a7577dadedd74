import type { ProtocolName } from '../core/index.js';

/** A provider as configured: one upstream account (DESIGN.md section 2). */
export interface ProviderSettings {
  /** Name in the config (`anthropic`, `local-vllm`). */
  name: string;
  /** Wire format the host speaks. */
  protocol: ProtocolName;
  /** Base URL as the vendor's SDK expects it (OpenAI-compatible ones end in `/v1`; Anthropic's does not). */
  baseUrl: string;
  /** Credential; never logged or returned. */
  apiKey?: string;
  /** Extra headers sent on every request (e.g. an OpenAI-Organization). */
  headers?: Record<string, string>;
  /** `anthropic-version` header for Anthropic hosts. */
  anthropicVersion?: string;
}

/** Client headers that a provider may pass through to its host, by protocol. */
const PASS_THROUGH_HEADERS: Readonly<Record<ProtocolName, readonly string[]>> = {
  'openai-chat': [],
  'anthropic-messages': ['anthropic-beta'],
};

/** Default Anthropic API version header (the one every current SDK sends). */
const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/**
 * Reaching one host: where its endpoint is and which headers authenticate us. The URL comes only
 * from the config; nothing in a client request can change it.
 */
export class Provider {
  readonly name: string;
  readonly protocol: ProtocolName;
  /** Scheme, host and port of the endpoint. */
  readonly origin: string;
  /** Path of the chat endpoint. */
  readonly path: string;
  /** Path of the token-counting endpoint, for hosts that have one (Anthropic). */
  readonly countTokensPath: string | undefined;
  private readonly baseHeaders: Record<string, string>;

  constructor(settings: ProviderSettings) {
    this.name = settings.name;
    this.protocol = settings.protocol;
    const base = new URL(settings.baseUrl.replace(/\/+$/, ''));
    const endpoint = settings.protocol === 'openai-chat' ? '/chat/completions' : '/v1/messages';
    this.origin = base.origin;
    const basePath = base.pathname.replace(/\/+$/, '');
    this.path = `${basePath}${endpoint}`;
    this.countTokensPath =
      settings.protocol === 'anthropic-messages' ? `${basePath}/v1/messages/count_tokens` : undefined;
    this.baseHeaders = { 'content-type': 'application/json', ...settings.headers };
    if (settings.protocol === 'openai-chat') {
      if (settings.apiKey) this.baseHeaders.authorization = `Bearer ${settings.apiKey}`;
    } else {
      if (settings.apiKey) this.baseHeaders['x-api-key'] = settings.apiKey;
      this.baseHeaders['anthropic-version'] = settings.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION;
    }
  }

  /** Headers for one request: ours, plus the client headers this protocol allows through. */
  requestHeaders(clientHeaders: Readonly<Record<string, string | string[] | undefined>>, stream: boolean) {
    const headers: Record<string, string> = {
      ...this.baseHeaders,
      accept: stream ? 'text/event-stream' : 'application/json',
    };
    for (const name of PASS_THROUGH_HEADERS[this.protocol]) {
      const value = clientHeaders[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return headers;
  }

  /** The endpoint URL, for logs and the admin API (no credentials in it). */
  get endpoint(): string {
    return `${this.origin}${this.path}`;
  }
}
