import type { IncomingHttpHeaders } from 'node:http';
import { DetourError, type FailureClass } from '../../core/index.js';
import { normalizeBedrockErrorType, type UpstreamErrorDetails } from '../../protocols/index.js';
import { upstreamCodeFor } from '../classify-failure.js';

/**
 * Bedrock's exception names and their classes (DESIGN.md section 6). HTTP errors name them in
 * `x-amzn-ErrorType` (`ThrottlingException`); stream exception frames in lower camel case
 * (`throttlingException`), which {@link BEDROCK_ERROR_CLASSES} adds.
 */
const UPPER_CAMEL_CLASSES: Readonly<Record<string, FailureClass>> = {
  ThrottlingException: 'rate_limited',
  // An account quota (requests or tokens per minute or per day): Bedrock says to resubmit later,
  // and it lifts by itself, so it cools the deployment down like a rate limit. `quota` would
  // disable the deployment until an operator re-enables it, which fits a spent balance, not this.
  ServiceQuotaExceededException: 'rate_limited',
  // DESIGN.md section 6 names it as Bedrock's overloaded: the model is not ready to serve yet.
  ModelNotReadyException: 'overloaded',
  // A 503 from Bedrock itself ("Bedrock is unable to process your request"), not a saturated
  // model: section 6 files 503s as server_error (one short same-host retry when nothing else
  // serves the model), keeping overloaded for hosts that say so.
  ServiceUnavailableException: 'server_error',
  InternalServerException: 'server_error',
  // The model behind Bedrock failed (HTTP 424); `originalStatusCode` says how, but the fault is
  // the host's either way.
  ModelErrorException: 'server_error',
  ModelStreamErrorException: 'server_error',
  ModelTimeoutException: 'timeout',
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  ExpiredTokenException: 'auth',
  IncompleteSignatureException: 'auth',
  MissingAuthenticationTokenException: 'auth',
  ResourceNotFoundException: 'not_found',
  ValidationException: 'client_error',
  ConflictException: 'client_error',
};

/** Lower camel case, as stream exception frames name the same exceptions. */
function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Bedrock's exception names, in both spellings, and the class each decides before the status. */
export const BEDROCK_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = Object.fromEntries(
  Object.entries(UPPER_CAMEL_CLASSES).flatMap(([name, failureClass]) => [
    [name, failureClass],
    [lowerCamel(name), failureClass],
  ]),
);

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
  const known = Object.hasOwn(BEDROCK_ERROR_CLASSES, exception.type)
    ? BEDROCK_ERROR_CLASSES[exception.type]
    : undefined;
  const failureClass = known ?? 'server_error';
  const original =
    exception.originalStatusCode === undefined ? '' : ` (the model answered ${exception.originalStatusCode})`;
  const message =
    failureClass === 'auth'
      ? `upstream credentials rejected by provider "${provider}" (${exception.type} in the stream)`
      : `${exception.type}: ${exception.message ?? 'upstream reported an exception inside the stream'}${original}`;
  return new DetourError(upstreamCodeFor(failureClass), failureClass, message);
}
