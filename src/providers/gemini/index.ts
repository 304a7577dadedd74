import type { IncomingHttpHeaders } from 'node:http';
import type { WireProtocol } from '../../core/index.js';
import type { SseMessage, UpstreamErrorDetails } from '../../protocols/index.js';
import { readSseMessages } from '../framing/read-sse.js';
import {
  encodeBodyWithout,
  GOOGLE_ERROR_CLASSES,
  readGoogleErrorDetails,
  splitGoogleBaseUrl,
} from '../google/index.js';
import type { OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';

/** Config of Google's Gemini API (`protocol: gemini`). */
export interface GeminiSettings {
  protocol: 'gemini';
  /** Endpoint without the API version; default `https://generativelanguage.googleapis.com`. */
  baseUrl?: string | undefined;
  /** Sent as `x-goog-api-key`; never logged or returned. */
  apiKey: string;
  /** Extra headers sent on every request. */
  headers?: Record<string, string> | undefined;
}

/** The Gemini API's public endpoint. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** The API version `@google/genai` uses for the Gemini API: every current model and field is there. */
const API_VERSION = 'v1beta';

/**
 * The resource name of a model in a path: a bare id (`gemini-2.5-flash`) is `models/{id}`; a full
 * name (`models/…`, `tunedModels/…`), as the SDK also accepts, is kept. Each segment is encoded.
 */
export function geminiModelResource(model: string): string {
  const resource = model.includes('/') ? model : `models/${model}`;
  return resource.split('/').map(encodeURIComponent).join('/');
}

/**
 * Google's Gemini API (generativelanguage.googleapis.com): every model speaks the `gemini` wire
 * format, `generateContent` and `streamGenerateContent?alt=sse`, with the key in `x-goog-api-key`
 * (never in the `?key=` query, where it would end up in access logs).
 * @see https://ai.google.dev/api/generate-content
 */
export class GeminiProvider implements Provider {
  readonly kind = 'gemini' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = GOOGLE_ERROR_CLASSES;
  private readonly origin: string;
  private readonly versionPath: string;
  private readonly headers: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;

  constructor(name: string, settings: GeminiSettings) {
    this.name = name;
    const { origin, basePath } = splitGoogleBaseUrl(settings.baseUrl ?? GEMINI_DEFAULT_BASE_URL, API_VERSION);
    this.origin = origin;
    this.versionPath = `${basePath}/${API_VERSION}`;
    this.endpoint = `${origin}${this.versionPath}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...settings.headers,
      'x-goog-api-key': settings.apiKey,
    };
    this.headers = { ...headers, accept: 'application/json' };
    this.streamHeaders = { ...headers, accept: 'text/event-stream' };
  }

  wireFor(): WireProtocol {
    return 'gemini';
  }

  prepareCall(outgoing: OutgoingBody): PreparedCall {
    const method = outgoing.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    return {
      origin: this.origin,
      path: `${this.versionPath}/${geminiModelResource(outgoing.upstreamModel)}:${method}`,
      headers: outgoing.stream ? this.streamHeaders : this.headers,
      body: encodeBodyWithout(outgoing.body, ['model', 'stream']),
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
    return readGoogleErrorDetails(parsed, text);
  }
}
