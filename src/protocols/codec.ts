import type {
  ChatRequest,
  ChatResponse,
  DetourError,
  FinishReason,
  ProtocolName,
  StreamEvent,
  Usage,
  WireProtocol,
} from '../core/index.js';

/** One Server-Sent Event as it arrived on the wire. */
export interface SseMessage {
  /** The `event:` field, when present. */
  event?: string;
  /** The `data:` field (multi-line data joined with `\n`). */
  data: string;
}

/** An error body and status as a protocol renders it for its clients. */
export interface EncodedError {
  /** HTTP status. */
  status: number;
  /** JSON body in the protocol's error shape. */
  body: unknown;
  /** Extra headers (e.g. `retry-after`). */
  headers: Record<string, string>;
}

/** What a vendor's error response says, before classification. Lenient: any field may be missing. */
export interface UpstreamErrorDetails {
  /** The vendor's error type (`overloaded_error`, `invalid_request_error`, ...). */
  type?: string;
  /** The vendor's error code (`insufficient_quota`, `context_length_exceeded`, ...). */
  code?: string;
  /** The vendor's message. */
  message?: string;
  /** The field the vendor blamed. */
  param?: string;
  /**
   * How long the vendor asked us to wait, in milliseconds, when it said so in the body rather than
   * in a header (Google's `RetryInfo.retryDelay`); a header wins over it.
   */
  retryAfterMs?: number;
}

/**
 * Turns upstream SSE messages into canonical events. Stateful: one per stream.
 * `done` becomes true when the protocol's terminator arrives (`[DONE]`, `message_stop`).
 */
export interface StreamDecoder {
  /** Decodes one SSE message; returns zero or more canonical events. Throws `bad_response` on garbage. */
  decode(message: SseMessage): StreamEvent[];
  /** True once the stream's terminator has been seen. */
  readonly done: boolean;
}

/** Turns canonical events into SSE text for a client. Stateful: one per stream. */
export interface StreamEncoder {
  /** Encodes one event; returns SSE text (possibly empty, possibly several events). */
  encode(event: StreamEvent): string;
  /** SSE text that ends the stream normally (e.g. `data: [DONE]`); call once after `finish`. */
  end(): string;
}

/** Options for encoding a client stream. */
export interface StreamEncoderOptions {
  /** The client asked for a final usage chunk (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  /**
   * The client already holds the start of this answer and an open text part (a stream continued on
   * another host after a break): emit no opening events, only the rest of the text and the end. A
   * `start` event still names the model that writes what follows.
   */
  resume?: boolean;
}

/**
 * The upstream-facing half of a wire format: what Detour needs to send to a host that speaks it
 * and read its answers. Formats only hosts speak (Gemini's generateContent, Bedrock's Converse)
 * offer just this half.
 */
export interface UpstreamCodec {
  /** The wire format's name. */
  readonly name: WireProtocol;
  /** Encodes a canonical request as an upstream body for `upstreamModel`. */
  encodeRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown>;
  /** Decodes an upstream's complete response leniently; throws `bad_response` when it is unusable. */
  decodeResponse(body: unknown): ChatResponse;
  /** Reads only the usage from an upstream response body (fast path: body forwarded untouched). */
  readUsage(body: unknown): Usage | undefined;
  /** A decoder for one upstream stream. */
  createStreamDecoder(): StreamDecoder;
  /** Reads a vendor error body leniently. */
  decodeError(body: unknown): UpstreamErrorDetails;
  /**
   * True when an upstream SSE message is certainly a plain content delta — no error, finish, usage
   * or terminator — judged from its raw text without parsing it. The same-protocol relay forwards
   * such messages untouched once content is flowing, so it does not parse every token.
   */
  isPlainDelta(message: SseMessage): boolean;
}

/**
 * The six functions every client wire format offers (decode/encode × request/response/stream)
 * plus error mapping. "Decode request" and "encode response/stream/error" face clients; "encode
 * request" and "decode response/stream/error" (the {@link UpstreamCodec} half) face upstream hosts.
 */
export interface ProtocolCodec extends UpstreamCodec {
  /** The protocol's name. */
  readonly name: ProtocolName;
  /** Validates a client body strictly and decodes it; throws `invalid_request` naming the field. */
  decodeRequest(body: unknown): ChatRequest;
  /** Encodes a canonical response for a client. */
  encodeResponse(response: ChatResponse): unknown;
  /** An encoder for one client stream. */
  createStreamEncoder(options: StreamEncoderOptions): StreamEncoder;
  /** Renders an error for a client. */
  encodeError(error: DetourError): EncodedError;
  /** Renders an error as an in-stream SSE event for a client (after content was sent). */
  encodeStreamError(error: DetourError): string;
  /**
   * Reads only the finish reason from a response body in this format. Only client formats need it:
   * a body is forwarded undecoded only when the host speaks the client's format (the request log
   * still records why the answer ended).
   */
  readFinishReason(body: unknown): FinishReason | undefined;
}
