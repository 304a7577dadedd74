import { DetourError, type DetourErrorCode, type FailureClass } from '../../core/index.js';
import type { UpstreamErrorDetails } from '../codec.js';
import { asRecord, asString, ownEntry } from '../narrow-json.js';

/**
 * Reads an Anthropic error body leniently: `{ type: 'error', error: { type, message } }`.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function decodeAnthropicError(body: unknown): UpstreamErrorDetails {
  const root = asRecord(body);
  if (root === undefined) return typeof body === 'string' && body !== '' ? { message: body } : {};
  const inner = asRecord(root.error) ?? root;
  const details: UpstreamErrorDetails = {};
  const type = asString(inner.type);
  if (type !== undefined && type !== 'error') details.type = type;
  const message = asString(inner.message);
  if (message !== undefined) details.message = message;
  return details;
}

/** In-stream error types and what they mean, as their HTTP equivalents would. */
const CLASS_BY_STREAM_ERROR: Readonly<Record<string, readonly [DetourErrorCode, FailureClass]>> = {
  overloaded_error: ['upstream_overloaded', 'overloaded'],
  rate_limit_error: ['upstream_rate_limited', 'rate_limited'],
  api_error: ['upstream_server_error', 'server_error'],
  timeout_error: ['upstream_timeout', 'timeout'],
  billing_error: ['upstream_quota_exceeded', 'quota'],
  authentication_error: ['upstream_auth_failed', 'auth'],
  permission_error: ['upstream_auth_failed', 'auth'],
  not_found_error: ['upstream_model_not_found', 'not_found'],
  invalid_request_error: ['upstream_invalid_request', 'client_error'],
  request_too_large: ['upstream_invalid_request', 'client_error'],
};

/**
 * Classifies the `event: error` an Anthropic stream sends when it fails (most often
 * `overloaded_error` under load), so it fails over like its HTTP equivalent.
 * @see https://docs.anthropic.com/en/api/messages-streaming#error-events
 */
export function classifyAnthropicStreamError(data: unknown): DetourError {
  const details = decodeAnthropicError(data);
  const [code, failureClass] = ownEntry(CLASS_BY_STREAM_ERROR, details.type ?? '') ?? [
    'upstream_server_error',
    'server_error',
  ];
  const message = details.message ?? 'upstream reported an error inside the stream';
  return new DetourError(code, failureClass, `${details.type ?? 'error'}: ${message}`);
}
