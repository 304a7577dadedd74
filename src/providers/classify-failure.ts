import type { IncomingHttpHeaders } from 'node:http';
import { DetourError, type FailureClass, type UpstreamErrorInfo, upstreamCodeFor } from '../core/index.js';
import type { UpstreamErrorDetails } from '../protocols/codec.js';
import { ownEntry } from '../protocols/index.js';
import { saysContextLengthExceeded } from './detect-context-length.js';
import { readRetryAfterMs, readShouldRetry, readUpstreamRequestId } from './read-retry-after.js';

/** Message fragments by which vendors signal quota or policy failures without a distinct type. */
const CLASS_BY_MESSAGE_FRAGMENT: ReadonlyArray<readonly [RegExp, FailureClass]> = [
  [/credit balance is too low|spend limit|exceeded your current quota/i, 'quota'],
  [/content (management )?policy|flagged as potentially violating/i, 'content_policy'],
];

function classByStatus(status: number): FailureClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

/** A vendor's type or code in the table; own keys only, so `constructor` is no class. */
function lookUp(
  table: Readonly<Record<string, FailureClass>>,
  key: string | undefined,
): FailureClass | undefined {
  return key === undefined ? undefined : ownEntry(table, key);
}

/** Inputs for {@link classifyHttpFailure}. */
export interface HttpFailure {
  /** The provider kind's vendor error types and codes that decide the class before the status. */
  vendorErrorClasses: Readonly<Record<string, FailureClass>>;
  /** HTTP status it answered with. */
  status: number;
  /** Its response headers. */
  headers: IncomingHttpHeaders;
  /** Its error body, read leniently. */
  details: UpstreamErrorDetails;
  /** Which provider and deployment, for the error's upstream info. */
  provider: string;
  /** Deployment id. */
  deployment: string;
  /** Current time (ms), for HTTP-date `retry-after`. */
  now: number;
}

/**
 * Classifies an upstream's HTTP error answer (DESIGN.md section 6): vendor type/code first, then
 * message fragments for quota and policy, then the status. The resulting message never contains
 * the request's credentials; it carries the vendor's message, which vendors keep free of them.
 */
export function classifyHttpFailure(failure: HttpFailure): DetourError {
  const { details, status } = failure;
  const vendorTable = failure.vendorErrorClasses;
  let failureClass: FailureClass | undefined =
    lookUp(vendorTable, details.code) ?? lookUp(vendorTable, details.type);
  if (failureClass === 'client_error' || failureClass === undefined) {
    const message = details.message ?? '';
    const fromMessage = CLASS_BY_MESSAGE_FRAGMENT.find(([pattern]) => pattern.test(message))?.[1];
    failureClass = fromMessage ?? failureClass;
  }
  // A vendor type alone must not turn a 5xx into a client error (e.g. an "invalid_request_error" with 500).
  if (failureClass === undefined || (failureClass === 'client_error' && status >= 500)) {
    failureClass = classByStatus(status);
  }
  const upstream: UpstreamErrorInfo = {
    provider: failure.provider,
    deployment: failure.deployment,
    status,
  };
  if (details.type !== undefined) upstream.vendorType = details.type;
  if (details.code !== undefined) upstream.vendorCode = details.code;
  const requestId = readUpstreamRequestId(failure.headers);
  if (requestId !== undefined) upstream.requestId = requestId;
  // Vendors echo part of a rejected key in auth messages ("Incorrect API key provided: sk-ab***yz"):
  // never pass those on.
  const vendorMessage =
    failureClass === 'auth'
      ? `upstream credentials rejected by provider "${failure.provider}" (HTTP ${status})`
      : (details.message ?? `upstream answered HTTP ${status}`);
  // A prompt too long for this model is the client's for this model only: routing may still send it
  // to a fallback model with a larger window (DESIGN.md section 6, "Context window").
  const code =
    failureClass === 'client_error' && saysContextLengthExceeded(details)
      ? 'upstream_context_length_exceeded'
      : upstreamCodeFor(failureClass);
  return new DetourError(code, failureClass, vendorMessage, {
    // Client errors keep the upstream's own status (400, 413, 422) so the client sees what the host said.
    status: failureClass === 'client_error' || failureClass === 'content_policy' ? status : undefined,
    param: details.param,
    retryAfterMs: readRetryAfterMs(failure.headers, failure.now) ?? details.retryAfterMs,
    shouldRetry: readShouldRetry(failure.headers),
    upstream,
  });
}
