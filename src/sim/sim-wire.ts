import type { IncomingHttpHeaders } from 'node:http';
import type { SimAnswer } from './compose-answer.js';
import type { SimPrompt } from './sim-prompt.js';

/** One SSE event of a simulated stream and its role, so faults know where to cut. */
export interface StreamPiece {
  /** The SSE text. */
  sse: string;
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

/** One vendor wire format as the simulator speaks it, written from the vendors' API references. */
export interface SimWire {
  /** Reads (and minimally validates, as the vendor would) a request; throws {@link SimRequestError}. */
  readPrompt(body: unknown, headers: IncomingHttpHeaders): SimPrompt;
  /** A complete response body. */
  response(answer: SimAnswer, prompt: SimPrompt, ids: ResponseIds): unknown;
  /** The events of a streamed response, in order. */
  stream(answer: SimAnswer, prompt: SimPrompt, ids: ResponseIds): StreamPiece[];
  /**
   * The 200 body of a vendor that answers a prompt its content filter caught with a verdict instead
   * of an error (Gemini's `promptFeedback`). Vendors without it refuse with a 400 `content_filter`.
   */
  blockedPrompt?(prompt: SimPrompt, ids: ResponseIds): unknown;
  /** The vendor's error body for a status (type, code and message defaulted per status). */
  errorBody(spec: VendorErrorSpec): unknown;
  /** The vendor's in-stream error event. */
  streamError(errorType: string | undefined, message: string | undefined): string;
  /** Headers the vendor sends with every response. */
  responseHeaders(requestId: string): Record<string, string>;
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
