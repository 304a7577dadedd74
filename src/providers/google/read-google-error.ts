import type { UpstreamErrorDetails } from '../../protocols/index.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The inner `error` object of a Google error body, or undefined when the body is not one. Vertex
 * sometimes wraps the body in a one-element array on its publisher-model endpoints (cline#651,
 * aider#1912), so both forms are read.
 */
export function googleErrorObject(parsed: unknown): Record<string, unknown> | undefined {
  const root = Array.isArray(parsed) ? asRecord(parsed[0]) : asRecord(parsed);
  const inner = asRecord(root?.error);
  // Google's shape carries the RPC status name or the numeric HTTP code; OAuth's token endpoint
  // puts a string in `error`, and Anthropic's shape a `type`: neither is this shape.
  if (inner === undefined || (asString(inner.status) === undefined && typeof inner.code !== 'number')) {
    return undefined;
  }
  return inner;
}

/** `"37s"` or `"1.5s"` (protobuf Duration as JSON) in milliseconds. */
function durationMs(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return match === null ? undefined : Math.round(Number(match[1]) * 1000);
}

/**
 * Reads Google's error body, as the Gemini API and Vertex AI send it:
 * `{error: {code, message, status, details: [{'@type', reason, …}, {retryDelay, …}]}}`. The RPC
 * status name (`RESOURCE_EXHAUSTED`) becomes the type, the `ErrorInfo` reason (`API_KEY_INVALID`)
 * the code, and a `RetryInfo` delay the advised wait. A body that is not JSON lends its start as
 * the message.
 * @see https://cloud.google.com/apis/design/errors
 */
export function readGoogleErrorDetails(parsed: unknown, text: string): UpstreamErrorDetails {
  const error = googleErrorObject(parsed);
  if (error === undefined) return { message: text.slice(0, 200) || undefined };
  const details: UpstreamErrorDetails = {};
  const status = asString(error.status);
  if (status !== undefined) details.type = status;
  const message = asString(error.message);
  if (message !== undefined) details.message = message;
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    const record = asRecord(detail);
    const reason = asString(record?.reason);
    if (reason !== undefined && details.code === undefined) details.code = reason;
    const delay = durationMs(record?.retryDelay);
    if (delay !== undefined && details.retryAfterMs === undefined) details.retryAfterMs = delay;
  }
  // Google says "enable billing" with FAILED_PRECONDITION and no reason of its own (the Gemini API's
  // free tier being unavailable in a region, a project without billing): our account's problem,
  // which an operator must fix, as DESIGN.md section 6 files under quota.
  if (details.code === undefined && status === 'FAILED_PRECONDITION' && /billing/i.test(message ?? '')) {
    details.code = 'BILLING_DISABLED';
  }
  return details;
}
