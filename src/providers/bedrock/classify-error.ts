import type { IncomingHttpHeaders } from 'node:http';
import { DetourError, upstreamCodeFor } from '../../core/index.js';
import {
  BEDROCK_ERROR_CLASSES,
  normalizeBedrockErrorType,
  ownEntry,
  type UpstreamErrorDetails,
} from '../../protocols/index.js';

// The table is Bedrock's vocabulary, shared with the Converse codec; the kind offers it as its own.
export { BEDROCK_ERROR_CLASSES };

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a Bedrock (restJson1) error answer: the exception name from the `x-amzn-ErrorType`
 * header, else the body's `code` or `__type`; the message from the body's `message` (or
 * `Message`). A body that is not JSON lends the start of its text.
 */
export function readBedrockErrorDetails(
  headers: IncomingHttpHeaders,
  parsed: unknown,
  text: string,
): UpstreamErrorDetails {
  const body =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  const header = headers['x-amzn-errortype'];
  const rawType =
    (Array.isArray(header) ? header[0] : header) ??
    (body === undefined ? undefined : (stringField(body, 'code') ?? stringField(body, '__type')));
  const details: UpstreamErrorDetails = {};
  // `ThrottlingException:http://internal.amazon.com/…` and `com.amazon.coral#Throttling…` name the same.
  const type = rawType === undefined ? '' : normalizeBedrockErrorType(rawType);
  if (type !== '') details.type = type;
  const message =
    body === undefined
      ? text.slice(0, 200) || undefined
      : (stringField(body, 'message') ?? stringField(body, 'Message'));
  if (message !== undefined) details.message = message;
  return details;
}

/** What an exception or error frame inside an event stream said. */
export interface StreamException {
  /** `:exception-type` (lower camel) or `:error-code`. */
  type: string;
  /** The payload's `message`, or `:error-message`. */
  message: string | undefined;
  /** `modelStreamErrorException`: the status the model itself answered with. */
  originalStatusCode?: number | undefined;
}

/**
 * Classifies an exception frame of a Bedrock event stream like its HTTP twin, so that one before
 * any content fails over invisibly and one after content ends the client's stream cleanly. An
 * unknown exception is a server error: the stream broke on the host's side. Auth failures keep
 * the host's message out, as HTTP ones do.
 */
export function classifyBedrockStreamException(provider: string, exception: StreamException): DetourError {
  const known = ownEntry(BEDROCK_ERROR_CLASSES, exception.type);
  const failureClass = known ?? 'server_error';
  const original =
    exception.originalStatusCode === undefined ? '' : ` (the model answered ${exception.originalStatusCode})`;
  const message =
    failureClass === 'auth'
      ? `upstream credentials rejected by provider "${provider}" (${exception.type} in the stream)`
      : `${exception.type}: ${exception.message ?? 'upstream reported an exception inside the stream'}${original}`;
  return new DetourError(upstreamCodeFor(failureClass), failureClass, message);
}
