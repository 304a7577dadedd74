import type { DetourError } from '../../core/index.js';
import type { EncodedError } from '../codec.js';
import { formatSseEvent } from '../sse.js';

/** Anthropic's error body. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

function errorType(error: DetourError): string {
  if (error.failureClass === 'overloaded') return 'overloaded_error';
  switch (error.status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    default:
      return error.status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The `{ type: 'error', error }` body. Anthropic has no `param`: the message names the field. */
export function toAnthropicErrorBody(error: DetourError): AnthropicErrorBody {
  return { type: 'error', error: { type: errorType(error), message: error.message } };
}

/**
 * Renders an error as an Anthropic error response, with `retry-after` in whole seconds when known.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function encodeAnthropicError(error: DetourError): EncodedError {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  return { status: error.status, body: toAnthropicErrorBody(error), headers };
}

/** Renders an error as the `event: error` Anthropic sends inside a stream. */
export function encodeAnthropicStreamError(error: DetourError): string {
  return formatSseEvent({ event: 'error', data: JSON.stringify(toAnthropicErrorBody(error)) });
}
