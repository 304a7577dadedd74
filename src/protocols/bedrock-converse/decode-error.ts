import { DetourError, upstreamCodeFor } from '../../core/index.js';
import type { UpstreamErrorDetails } from '../codec.js';
import { asNumber, asRecord, asString, ownEntry } from '../narrow-json.js';
import { BEDROCK_ERROR_CLASSES, lowerCamel } from './bedrock-error-classes.js';

/**
 * A Bedrock error name as the AWS SDK reads it from `x-amzn-ErrorType` or a body's `code` /
 * `__type`: cut at the first `,` and `:` (`ThrottlingException:http://internal.amazon.com/…`) and
 * after a `#` namespace (`com.amazon.coral.validate#ValidationException`).
 */
export function normalizeBedrockErrorType(raw: string): string {
  const name = raw.split(',')[0]!.split(':')[0]!;
  return name.slice(name.lastIndexOf('#') + 1).trim();
}

/**
 * Reads a Bedrock error body leniently: `{"message": "..."}` (or `Message`). The error's name
 * usually comes only in the `x-amzn-ErrorType` header, which the provider reads; a body that names
 * it in `code` or `__type` (the order the AWS SDK tries them) gives it as `type`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */
export function decodeConverseError(body: unknown): UpstreamErrorDetails {
  const root = asRecord(body);
  if (root === undefined) return typeof body === 'string' && body !== '' ? { message: body } : {};
  const details: UpstreamErrorDetails = {};
  const type = asString(root.code) ?? asString(root.__type);
  if (type !== undefined && normalizeBedrockErrorType(type) !== '') {
    details.type = normalizeBedrockErrorType(type);
  }
  const message = asString(root.message) ?? asString(root.Message);
  if (message !== undefined) details.message = message;
  return details;
}

/**
 * Classifies a Bedrock event-stream exception frame (`:message-type: exception`) by its
 * `:exception-type` and JSON payload, so it fails over like its HTTP equivalent. Unknown types are
 * server errors. Accepts the HTTP spelling too (`ThrottlingException`).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_ResponseSyntax
 */
export function classifyBedrockStreamException(exceptionType: string, payload: unknown): DetourError {
  const type = lowerCamel(normalizeBedrockErrorType(exceptionType));
  const failureClass = ownEntry(BEDROCK_ERROR_CLASSES, type) ?? 'server_error';
  const fields = asRecord(payload);
  let message =
    asString(fields?.message) ??
    asString(fields?.Message) ??
    (typeof payload === 'string' && payload !== ''
      ? payload
      : 'upstream reported an error inside the stream');
  const originalStatus = asNumber(fields?.originalStatusCode);
  const originalMessage = asString(fields?.originalMessage);
  if (originalStatus !== undefined || originalMessage !== undefined) {
    const original = [originalStatus, originalMessage].filter((item) => item !== undefined).join(' ');
    message += ` (the model's own error: ${original})`;
  }
  return new DetourError(upstreamCodeFor(failureClass), failureClass, `${type || 'exception'}: ${message}`);
}
