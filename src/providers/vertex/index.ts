import type { IncomingHttpHeaders } from 'node:http';
import type { FailureClass, WireProtocol } from '../../core/index.js';
import { anthropicMessagesCodec, type SseMessage, type UpstreamErrorDetails } from '../../protocols/index.js';
import { ANTHROPIC_ERROR_CLASSES, passAnthropicHeaders } from '../anthropic/index.js';
import { readSseMessages } from '../framing/read-sse.js';
import {
  encodeBodyWithout,
  GOOGLE_ERROR_CLASSES,
  googleErrorObject,
  readGoogleErrorDetails,
  readServiceAccountFile,
  ServiceAccountTokenSource,
  splitGoogleBaseUrl,
  type TokenSourceOptions,
} from '../google/index.js';
import type { OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';
import { readJsonErrorDetails } from '../read-error-details.js';
import { isVertexClaudeModel, VERTEX_API_VERSION, vertexEndpoint, vertexModelPath } from './vertex-paths.js';

export { isVertexClaudeModel, vertexEndpoint, vertexModelPath } from './vertex-paths.js';

/** Config of Google Vertex AI in one project and location (`protocol: vertex`). */
export interface VertexSettings {
  protocol: 'vertex';
  /** Google Cloud project id. */
  project: string;
  /** Location (`us-east5`, `europe-west1`) or `global`. */
  region: string;
  /** Path of a service-account key file; read when the provider is created. */
  credentials: string;
  /** Overrides the regional or global endpoint (no API version; a trailing `/v1` is dropped). */
  baseUrl?: string | undefined;
  /** Extra headers sent on every request. */
  headers?: Record<string, string> | undefined;
}

/**
 * `anthropic_version` of Claude on Vertex: in the body, not a header.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/**
 * Vertex answers in two shapes: Google's for what its own front end refuses (401, 403, quota 429,
 * 404), Anthropic's for what the Claude model behind it says (529 `overloaded_error`). The two
 * tables have no key in common: Google's names are upper case, Anthropic's lower snake case.
 */
const VERTEX_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  ...GOOGLE_ERROR_CLASSES,
  ...ANTHROPIC_ERROR_CLASSES,
};

/** Vertex's own extra event in Claude streams (usage for its billing); Anthropic's API never sends it. */
const VERTEX_EVENT = 'vertex_event';

async function* withoutVertexEvents(messages: AsyncIterable<SseMessage>): AsyncGenerator<SseMessage> {
  for await (const message of messages) {
    // Dropped here so that a same-protocol stream forwarded to an Anthropic client looks like
    // Anthropic's own; the Anthropic decoder would skip it anyway.
    if (message.event !== VERTEX_EVENT) yield message;
  }
}

/**
 * Google Vertex AI: Claude models through Anthropic's publisher (`rawPredict`, Anthropic Messages
 * bodies) and Google's models through `generateContent` (the `gemini` format), with an OAuth access
 * token from a service account (see {@link ServiceAccountTokenSource}).
 */
export class VertexProvider implements Provider {
  readonly kind = 'vertex' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = VERTEX_ERROR_CLASSES;
  private readonly origin: string;
  private readonly locationPath: string;
  private readonly headers: Record<string, string>;
  private readonly tokens: ServiceAccountTokenSource;

  /** Reads the key file now: a bad one fails `detour start` naming the provider and the file. */
  constructor(name: string, settings: VertexSettings, tokenOptions: TokenSourceOptions = {}) {
    this.name = name;
    this.tokens = new ServiceAccountTokenSource(
      name,
      readServiceAccountFile(name, settings.credentials),
      tokenOptions,
    );
    const { origin, basePath } = splitGoogleBaseUrl(
      settings.baseUrl ?? vertexEndpoint(settings.region),
      VERTEX_API_VERSION,
    );
    this.origin = origin;
    this.locationPath =
      `${basePath}/${VERTEX_API_VERSION}/projects/${encodeURIComponent(settings.project)}` +
      `/locations/${encodeURIComponent(settings.region)}`;
    this.endpoint = `${origin}${this.locationPath}`;
    this.headers = { 'content-type': 'application/json', ...settings.headers };
  }

  wireFor(upstreamModel: string): WireProtocol {
    return isVertexClaudeModel(upstreamModel) ? 'anthropic-messages' : 'gemini';
  }

  async prepareCall(outgoing: OutgoingBody): Promise<PreparedCall> {
    const token = await this.tokens.token(outgoing.signal);
    const headers: Record<string, string> = {
      ...this.headers,
      accept: outgoing.stream ? 'text/event-stream' : 'application/json',
      authorization: `Bearer ${token}`,
    };
    const claude = isVertexClaudeModel(outgoing.upstreamModel);
    // Claude's body keeps `stream` (Vertex's Anthropic endpoint reads it) and names the API
    // version in the body; beta features travel in the client's `anthropic-beta` header, as
    // Anthropic's own Vertex SDK sends them.
    if (claude) passAnthropicHeaders(headers, outgoing.clientHeaders);
    const body = claude
      ? encodeBodyWithout({ ...outgoing.body, anthropic_version: VERTEX_ANTHROPIC_VERSION }, ['model'])
      : encodeBodyWithout(outgoing.body, ['model', 'stream']);
    return {
      origin: this.origin,
      path: `${this.locationPath}${vertexModelPath(outgoing.upstreamModel, outgoing.stream)}`,
      headers,
      body,
    };
  }

  readStream(body: AsyncIterable<Buffer | string>, upstreamModel: string): AsyncIterable<SseMessage> {
    const messages = readSseMessages(body);
    return isVertexClaudeModel(upstreamModel) ? withoutVertexEvents(messages) : messages;
  }

  readErrorDetails(
    upstreamModel: string,
    _headers: IncomingHttpHeaders,
    parsed: unknown,
    text: string,
  ): UpstreamErrorDetails {
    if (googleErrorObject(parsed) !== undefined || !isVertexClaudeModel(upstreamModel)) {
      return readGoogleErrorDetails(parsed, text);
    }
    return readJsonErrorDetails(anthropicMessagesCodec, parsed, text);
  }
}
