import { geminiCodec, type UpstreamErrorDetails } from '../../protocols/index.js';

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
 * `{error: {code, message, status, details: [{'@type', reason, …}, {retryDelay, …}]}}`. The gemini
 * codec's reader gives the RPC status name (`RESOURCE_EXHAUSTED`) as the type, the `ErrorInfo`
 * reason (`API_KEY_INVALID`) as the code and the blamed field; this adds what only a host needs: a
 * `RetryInfo` delay as the advised wait, and billing refusals told apart. A body that is not JSON
 * (a proxy's page) or not in Google's shape lends its start as the message.
 * @see https://cloud.google.com/apis/design/errors
 */
export function readGoogleErrorDetails(parsed: unknown, text: string): UpstreamErrorDetails {
  const error = googleErrorObject(parsed);
  if (error === undefined) return { message: text.slice(0, 200) || undefined };
  const details = geminiCodec.decodeError(parsed);
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    const delay = durationMs(asRecord(detail)?.retryDelay);
    if (delay !== undefined) {
      details.retryAfterMs = delay;
      break;
    }
  }
  // Google says "enable billing" with FAILED_PRECONDITION and no reason of its own (the Gemini API's
  // free tier being unavailable in a region, a project without billing): our account's problem,
  // which an operator must fix, as DESIGN.md section 6 files under quota.
  if (
    details.code === undefined &&
    details.type === 'FAILED_PRECONDITION' &&
    /billing/i.test(details.message ?? '')
  ) {
    details.code = 'BILLING_DISABLED';
  }
  return details;
}
