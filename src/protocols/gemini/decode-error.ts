import { DetourError, type DetourErrorCode, type FailureClass } from '../../core/index.js';
import type { UpstreamErrorDetails } from '../codec.js';
import { asNumber, asRecord, asString, ownEntry } from '../narrow-json.js';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

function detailsOfType(details: unknown, type: string): Record<string, unknown> | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const item of details) {
    const detail = asRecord(item);
    if (detail?.['@type'] === type) return detail;
  }
  return undefined;
}

/**
 * Reads a Google error body leniently: `{ error: { code, message, status, details } }`. The RPC
 * status (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`...) is the type; the reason of an `ErrorInfo`
 * detail (`API_KEY_INVALID`, `CREDENTIALS_MISSING`...) is the code; the field of a `BadRequest`
 * violation is the param. Vertex sometimes wraps the body in a one-element array.
 * @see https://cloud.google.com/apis/design/errors#error_model
 */
export function decodeGeminiError(body: unknown): UpstreamErrorDetails {
  const root = Array.isArray(body) ? body[0] : body;
  if (typeof root === 'string') return root === '' ? {} : { message: root };
  const record = asRecord(root);
  if (record === undefined) return {};
  const inner = asRecord(record.error) ?? record;
  const details: UpstreamErrorDetails = {};
  const status = asString(inner.status);
  if (status !== undefined) details.type = status;
  const reason = asString(detailsOfType(inner.details, ERROR_INFO)?.reason);
  if (reason !== undefined) details.code = reason;
  const message = asString(inner.message);
  if (message !== undefined) details.message = message;
  const violations = detailsOfType(inner.details, BAD_REQUEST)?.fieldViolations;
  const field = Array.isArray(violations) ? asString(asRecord(violations[0])?.field) : undefined;
  if (field !== undefined) details.param = field;
  return details;
}

type Classification = readonly [DetourErrorCode, FailureClass];

/** RPC statuses and what they mean, as DESIGN.md section 6 classes them. */
const CLASS_BY_STATUS: Readonly<Record<string, Classification>> = {
  RESOURCE_EXHAUSTED: ['upstream_rate_limited', 'rate_limited'],
  UNAVAILABLE: ['upstream_overloaded', 'overloaded'],
  INTERNAL: ['upstream_server_error', 'server_error'],
  DEADLINE_EXCEEDED: ['upstream_timeout', 'timeout'],
  UNAUTHENTICATED: ['upstream_auth_failed', 'auth'],
  PERMISSION_DENIED: ['upstream_auth_failed', 'auth'],
  NOT_FOUND: ['upstream_model_not_found', 'not_found'],
  INVALID_ARGUMENT: ['upstream_invalid_request', 'client_error'],
  FAILED_PRECONDITION: ['upstream_invalid_request', 'client_error'],
  OUT_OF_RANGE: ['upstream_invalid_request', 'client_error'],
};

/** The same by HTTP status, for an error body without an RPC status. */
const CLASS_BY_HTTP_STATUS: Readonly<Record<number, Classification>> = {
  400: CLASS_BY_STATUS.INVALID_ARGUMENT!,
  401: CLASS_BY_STATUS.UNAUTHENTICATED!,
  403: CLASS_BY_STATUS.PERMISSION_DENIED!,
  404: CLASS_BY_STATUS.NOT_FOUND!,
  429: CLASS_BY_STATUS.RESOURCE_EXHAUSTED!,
  500: CLASS_BY_STATUS.INTERNAL!,
  503: CLASS_BY_STATUS.UNAVAILABLE!,
  504: CLASS_BY_STATUS.DEADLINE_EXCEEDED!,
};

/**
 * Classifies the `{"error": ...}` chunk a Gemini stream sends when it fails part-way (most often
 * `UNAVAILABLE` or `RESOURCE_EXHAUSTED`), so it fails over like its HTTP equivalent. A bad API key is
 * reported as `INVALID_ARGUMENT` with the reason `API_KEY_INVALID`: that is our credentials, not the
 * client's request.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export function classifyGeminiStreamError(data: unknown): DetourError {
  const details = decodeGeminiError(data);
  const root = asRecord(Array.isArray(data) ? data[0] : data);
  const httpStatus = asNumber(asRecord(root?.error)?.code);
  const [code, failureClass] =
    details.code === 'API_KEY_INVALID'
      ? CLASS_BY_STATUS.UNAUTHENTICATED!
      : (ownEntry(CLASS_BY_STATUS, details.type ?? '') ??
        CLASS_BY_HTTP_STATUS[httpStatus ?? 0] ?? ['upstream_server_error', 'server_error']);
  const message = details.message ?? 'upstream reported an error inside the stream';
  return new DetourError(code, failureClass, `${details.type ?? 'error'}: ${message}`);
}
