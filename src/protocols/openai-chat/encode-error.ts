import type { DetourError, DetourErrorCode } from '../../core/index.js';
import type { EncodedError } from '../codec.js';
import { formatSseEvent } from '../sse.js';
import type { OpenaiErrorObject } from './types.js';

/** Codes OpenAI itself uses for situations Detour names differently; clients match on OpenAI's. */
const OPENAI_CODE_BY_DETOUR_CODE: Partial<Readonly<Record<DetourErrorCode, string>>> = {
  model_not_found: 'model_not_found',
  upstream_model_not_found: 'model_not_found',
};

/** Classes where the request itself is at fault: the client fixes it by the vendor's own code. */
function isRequestProblem(error: DetourError): boolean {
  return error.failureClass === 'client_error' || error.failureClass === 'content_policy';
}

/**
 * Whichever host said it (Anthropic's "prompt is too long", Bedrock's ValidationException), OpenAI
 * clients know a too-long prompt by OpenAI's own code.
 */
function isContextLength(error: DetourError): boolean {
  return error.code === 'upstream_context_length_exceeded' || error.code === 'context_length_exceeded';
}

function typeAndCode(error: DetourError): { type: string; code: string } {
  const vendorCode = isRequestProblem(error) ? error.upstream?.vendorCode : undefined;
  const code = isContextLength(error)
    ? 'context_length_exceeded'
    : (vendorCode ?? OPENAI_CODE_BY_DETOUR_CODE[error.code] ?? error.code);
  switch (error.status) {
    case 401:
      // OpenAI's answer to a key it does not accept.
      return { type: 'authentication_error', code: error.code === 'unauthorized' ? 'invalid_api_key' : code };
    case 403:
      return { type: 'permission_error', code };
    case 429:
      // OpenAI's exhausted-balance error has `insufficient_quota` as both type and code.
      return error.failureClass === 'quota'
        ? { type: 'insufficient_quota', code: 'insufficient_quota' }
        : { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
    default:
      // OpenAI answers 404 (unknown model or route) and 413 as `invalid_request_error` too.
      return { type: error.status >= 500 ? 'server_error' : 'invalid_request_error', code };
  }
}

/** The `{ message, type, param, code }` object for an error. Carries nothing but Detour's own message. */
export function toOpenaiErrorObject(error: DetourError): OpenaiErrorObject {
  const { type, code } = typeAndCode(error);
  return { message: error.message, type, param: error.param ?? null, code };
}

/**
 * Renders an error as an OpenAI error response, with `retry-after` in whole seconds when known.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function encodeOpenaiError(error: DetourError): EncodedError {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  return { status: error.status, body: { error: toOpenaiErrorObject(error) }, headers };
}

/** Renders an error as the `data: {"error": ...}` event OpenAI sends inside a stream. */
export function encodeOpenaiStreamError(error: DetourError): string {
  return formatSseEvent({ data: JSON.stringify({ error: toOpenaiErrorObject(error) }) });
}
