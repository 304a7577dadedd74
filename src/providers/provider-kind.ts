import type { IncomingHttpHeaders } from 'node:http';
import type { FailureClass, WireProtocol } from '../core/index.js';
import type { SseMessage, UpstreamErrorDetails } from '../protocols/index.js';

/** A value of `protocol:` in a provider's config: the kind of host it is (DESIGN.md section 10). */
export type ProviderKindName =
  | 'openai-chat'
  | 'anthropic-messages'
  | 'azure-openai'
  | 'bedrock'
  | 'vertex'
  | 'gemini';

/** Client headers as Fastify hands them over. */
export type ClientHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** One request body on its way to a host, already in the wire format the host speaks for the model. */
export interface OutgoingBody {
  /** The model id the host knows. */
  upstreamModel: string;
  /** The body: a client's own (same wire format) or an encoded canonical request, `model` set. */
  body: Record<string, unknown>;
  /** Whether the answer is streamed. */
  stream: boolean;
  /** The client's headers (a kind passes a few through, e.g. `anthropic-beta`). */
  clientHeaders: ClientHeaders;
  /**
   * The attempt's signal (timeouts, client gone, deadline), for kinds whose preparation waits on
   * the network (an OAuth token): they stop waiting when it aborts.
   */
  signal?: AbortSignal;
}

/** An HTTP call ready for the transport: where, with which headers (credentials included), what. */
export interface PreparedCall {
  /** Scheme, host and port; from the config only, never from a client. */
  origin: string;
  /** Path and query. */
  path: string;
  /** Request headers, credentials included. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
}

/**
 * Reaching one configured host (DESIGN.md section 4): a provider kind's folder supplies this for
 * its `protocol:` value. Everything vendor-specific about a host — endpoint, auth, request framing,
 * stream framing, error reading and classification — sits behind it; the attempt code is shared.
 */
export interface Provider {
  /** Name in the config (`anthropic`, `local-vllm`). */
  readonly name: string;
  /** Its kind (`protocol:` in the config). */
  readonly kind: ProviderKindName;
  /** The endpoint, for logs and the admin API (no credentials in it). */
  readonly endpoint: string;
  /** The wire format this host speaks for a model (Bedrock: Anthropic bodies or Converse). */
  wireFor(upstreamModel: string): WireProtocol;
  /** Builds the HTTP call for a body in `wireFor(upstreamModel)` format (may sign or fetch a token). */
  prepareCall(outgoing: OutgoingBody): PreparedCall | Promise<PreparedCall>;
  /** Splits a streamed answer body into messages for the wire format's stream decoder. */
  readStream(body: AsyncIterable<Buffer | string>, upstreamModel: string): AsyncIterable<SseMessage>;
  /**
   * Reads an HTTP error answer leniently (some vendors put the error type in a header). `parsed` is
   * the body as JSON, or undefined when it was not JSON; `text` is the body as received.
   */
  readErrorDetails(
    upstreamModel: string,
    headers: IncomingHttpHeaders,
    parsed: unknown,
    text: string,
  ): UpstreamErrorDetails;
  /** Vendor error types and codes that decide the class before the status does. */
  readonly vendorErrorClasses: Readonly<Record<string, FailureClass>>;
  /**
   * The call that counts a request's tokens at this host, for kinds that can (Anthropic's
   * `count_tokens`); undefined otherwise.
   */
  prepareCountTokens?(outgoing: Omit<OutgoingBody, 'stream'>): PreparedCall | Promise<PreparedCall>;
}
