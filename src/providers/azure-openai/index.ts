import type { IncomingHttpHeaders } from 'node:http';
import type { WireProtocol } from '../../core/index.js';
import type { SseMessage, UpstreamErrorDetails } from '../../protocols/index.js';
import { readSseMessages } from '../framing/read-sse.js';
import { type ChatCompletionsHeaders, chatCompletionsHeaders } from '../openai-compatible/index.js';
import type { OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';
import { type AzureEndpoint, resolveAzureEndpoint } from './azure-endpoint.js';
import { AZURE_OPENAI_ERROR_CLASSES, readAzureErrorDetails } from './read-azure-error.js';

export {
  type AzureEndpoint,
  type AzureEndpointStyle,
  DEFAULT_AZURE_API_VERSION,
  isAzureV1BaseUrl,
  resolveAzureEndpoint,
} from './azure-endpoint.js';
export { AZURE_OPENAI_ERROR_CLASSES, readAzureErrorDetails } from './read-azure-error.js';

/** Config of an Azure OpenAI resource (`protocol: azure-openai`). */
export interface AzureOpenAiSettings {
  protocol: 'azure-openai';
  /** `https://NAME.openai.azure.com` (deployment URLs) or `…/openai/v1` (the v1 endpoint). */
  baseUrl: string;
  /** Sent as `api-key`; never logged or returned. */
  apiKey: string;
  /** `api-version` of deployment URLs (default {@link DEFAULT_AZURE_API_VERSION}); refused with v1. */
  apiVersion?: string | undefined;
  /** Extra headers sent on every request. */
  headers?: Record<string, string> | undefined;
}

/**
 * Azure OpenAI: OpenAI's Chat Completions on Microsoft's hosts. A deployment's `model:` is the
 * Azure deployment name; it goes into the path of deployment URLs, or into the body's `model` on
 * the v1 endpoint. The wire format is OpenAI's, so OpenAI clients keep the same-protocol fast path;
 * only the URL, the `api-key` header and the error table are Azure's.
 */
export class AzureOpenAiProvider implements Provider {
  readonly kind = 'azure-openai' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = AZURE_OPENAI_ERROR_CLASSES;
  private readonly azure: AzureEndpoint;
  // A #private field: JSON.stringify and util.inspect never show it, so the key stays out of any log
  // line that prints the provider.
  readonly #headers: ChatCompletionsHeaders;

  constructor(name: string, settings: AzureOpenAiSettings) {
    this.name = name;
    this.azure = resolveAzureEndpoint(settings.baseUrl, settings.apiVersion);
    this.endpoint = this.azure.display;
    this.#headers = chatCompletionsHeaders(settings.headers, { 'api-key': settings.apiKey });
  }

  wireFor(): WireProtocol {
    return 'openai-chat';
  }

  prepareCall(outgoing: OutgoingBody): PreparedCall {
    return {
      origin: this.azure.origin,
      path: this.azure.chatCompletionsPath(outgoing.upstreamModel),
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
    return readAzureErrorDetails(parsed, text);
  }
}
