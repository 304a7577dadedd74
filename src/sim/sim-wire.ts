import type { IncomingHttpHeaders } from 'node:http';
import type { SimAnswer } from './compose-answer.js';
import type { SimCredentials } from './sim-credentials.js';
import type { SimPrefill, SimPrompt } from './sim-prompt.js';

/** One event of a simulated stream and its role, so faults know where to cut. */
export interface StreamPiece {
  /** The event as sent: SSE text, or a binary frame (AWS event stream). */
  data: string | Uint8Array;
  /** `head` opens the stream, `content` carries answer tokens, `tail` finishes and terminates it. */
  kind: 'head' | 'content' | 'tail';
}

/** A vendor error to answer with. */
export interface VendorErrorSpec {
  status: number;
  errorType?: string;
  errorCode?: string;
  message?: string;
}

/** The identity of one simulated response. */
export interface ResponseIds {
  id: string;
  created: number;
}

/** What a request's path and query say, handed to the wire with the body. */
export interface SimRouteContext {
  /** What the request asks for. */
  endpoint: 'chat' | 'count_tokens';
  /** The model id, when the path carries it (Bedrock `/model/{modelId}/…`), decoded once. */
  model?: string;
  /** Whether the response streams, when the path decides it (Bedrock `…-stream`); else the body does. */
  stream?: boolean;
  /** The request's query parameters. */
  query: URLSearchParams;
}

/** A request as it arrived, for authentication (signatures cover the raw path, headers and body). */
export interface SimHttpRequest {
  /** `1.1` or `2`. */
  httpVersion: '1.1' | '2';
  method: string;
  /** Path and query exactly as received, `/hosts/<name>` included. */
  target: string;
  /** Lower-case names; on HTTP/2 the pseudo-headers (`:authority`…) are included. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request the vendor would reject before generating anything. */
export class SimRequestError extends Error {
  constructor(
    readonly spec: VendorErrorSpec,
    message: string,
  ) {
    super(message);
  }
}

/** Rejects a request as the vendor would, with a 400 and its message. */
export function rejectRequest(message: string): never {
  throw new SimRequestError({ status: 400, message }, message);
}

/** Headers of an SSE response. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** An SSE event whose data is cut off mid-JSON. */
export const MALFORMED_SSE_EVENT = 'data: {"choices": [{"delta": {"content": "unterminated\n\n';

/** One vendor wire format as the simulator speaks it, written from the vendors' API references. */
export interface SimWire {
  /** Prefix of response ids (`chatcmpl-`, `msg_`). */
  idPrefix: string;
  /**
   * Reads (and minimally validates, as the vendor would) a request; throws {@link SimRequestError}.
   * `route` carries what the path says: the endpoint, and the model and streaming when the path decides.
   */
  readPrompt(body: unknown, headers: IncomingHttpHeaders, route: SimRouteContext): SimPrompt;
  /**
   * Checks the request's credentials as the vendor would, before any fault applies; answers the
   * vendor's error to reject it. Hosts without it take any credentials.
   */
  authenticate?(request: SimHttpRequest, credentials: SimCredentials): Promise<VendorErrorSpec | undefined>;
  /** A complete response body. */
  response(answer: SimAnswer, prompt: SimPrompt, ids: ResponseIds): unknown;
  /** Headers a complete response carries besides {@link responseHeaders} (Bedrock's token counts). */
  answerHeaders?(answer: SimAnswer): Record<string, string>;
  /** The events of a streamed response, in order. */
  stream(answer: SimAnswer, prompt: SimPrompt, ids: ResponseIds): StreamPiece[];
  /** Headers of a streamed response, its content type included. */
  streamHeaders: Readonly<Record<string, string>>;
  /** The answer of a token count (`count_tokens` endpoint). */
  tokenCount?(inputTokens: number): unknown;
  /**
   * The 200 answer of a vendor that meets a prompt its content filter caught with a verdict instead
   * of an error (Gemini's `promptFeedback`): the body, and the one event a stream carries instead.
   * Vendors without it refuse with a 400 `content_filter`.
   */
  blockedPrompt?(prompt: SimPrompt, ids: ResponseIds): { body: unknown; event: string };
  /**
   * The vendor's 400 for a host that takes no prefill (the `reject_prefill` fault). Wires without it
   * read no prefill, so the fault never applies to them.
   */
  prefillRejection?(prefill: SimPrefill): VendorErrorSpec;
  /** The vendor's error body for a status (type, code and message defaulted per status). */
  errorBody(spec: VendorErrorSpec): unknown;
  /** Headers the vendor sends with an error (Bedrock names the error in `x-amzn-ErrorType`). */
  errorHeaders?(spec: VendorErrorSpec): Record<string, string>;
  /** The vendor's in-stream error event. */
  streamError(errorType: string | undefined, message: string | undefined): string | Uint8Array;
  /** The HTTP error a `stream_error` fault becomes when the request did not stream. */
  streamErrorAsStatus(errorType: string | undefined, message: string | undefined): VendorErrorSpec;
  /** An event the client cannot parse: `malformed_sse` breaks the framing, `malformed_json` the payload. */
  malformedEvent(fault: 'malformed_sse' | 'malformed_json'): string | Uint8Array;
  /**
   * How `truncate_stream` ends: `at-event` stops after its content events; `mid-event` also sends the
   * first half of the event that would have come next (a binary frame cut short).
   */
  truncation: 'at-event' | 'mid-event';
  /** Headers the vendor sends with every response. */
  responseHeaders(requestId: string): Record<string, string>;
}

/** An error spec with the optional type and message set only when given. */
export function errorSpec(status: number, errorType?: string, message?: string): VendorErrorSpec {
  const spec: VendorErrorSpec = { status };
  if (errorType !== undefined) spec.errorType = errorType;
  if (message !== undefined) spec.message = message;
  return spec;
}

/** Formats one SSE event. */
export function sse(data: unknown, event?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${text}\n\n` : `event: ${event}\ndata: ${text}\n\n`;
}

/** Reads a value as a plain object. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Text of content given as a string or an array of `{type: 'text', text}` blocks. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const block = asRecord(part);
      return block?.type === 'text' && typeof block.text === 'string' ? block.text : '';
    })
    .join('');
}

/** Total characters of every string in a value, as a stand-in for its token count. */
export function countChars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + countChars(item), 0);
  const record = asRecord(value);
  if (record === undefined) return 0;
  return Object.values(record).reduce<number>((sum, item) => sum + countChars(item), 0);
}
