import { randomUUID } from 'node:crypto';
import { exceptionFrame } from './aws-event-stream.js';
import type { VendorErrorSpec } from './sim-wire.js';

/**
 * Bedrock runtime's errors (restJson1): the exception's name in `x-amzn-ErrorType`, `{"message"}` in
 * the body; in a stream, an exception frame named by the lower-camel member name.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */

/** The exception Bedrock answers for a status. */
const NAME_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Each exception's status (from the service model) and usual message. */
const EXCEPTIONS: Readonly<Record<string, { status: number; message: string }>> = {
  ValidationException: {
    status: 400,
    message: 'Malformed input request, please reformat your input and try again.',
  },
  ServiceQuotaExceededException: {
    status: 400,
    message: 'Your request exceeds the service quota for your account.',
  },
  AccessDeniedException: {
    status: 403,
    message: "You don't have access to the model with the specified model ID.",
  },
  ResourceNotFoundException: {
    status: 404,
    message: 'Could not resolve the foundation model from the provided model identifier.',
  },
  ModelTimeoutException: {
    status: 408,
    message: 'Model has timed out in processing the request. Try your request again.',
  },
  ModelErrorException: { status: 424, message: 'The model encountered an error processing the request.' },
  ModelStreamErrorException: {
    status: 424,
    message: 'The model encountered an unexpected error while streaming.',
  },
  ThrottlingException: { status: 429, message: 'Too many requests, please wait before trying again.' },
  ModelNotReadyException: { status: 429, message: 'Model is not ready to serve inference requests.' },
  InternalServerException: {
    status: 500,
    message: 'The system encountered an unexpected error during processing. Try your request again.',
  },
  ServiceUnavailableException: { status: 503, message: 'Bedrock is unable to process your request.' },
  // Not in the Bedrock model: AWS's front door answers them, the SDK names them from the header.
  UnrecognizedClientException: {
    status: 403,
    message: 'The security token included in the request is invalid.',
  },
  InvalidSignatureException: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
  ExpiredTokenException: { status: 403, message: 'The security token included in the request is expired' },
};

const DEFAULT_STREAM_EXCEPTION = 'modelStreamErrorException';

function upperFirst(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

function lowerFirst(name: string): string {
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}`;
}

/** The exception name and message of an error spec: the fault's `errorType` wins, else the status's. */
function exceptionOf(spec: VendorErrorSpec): { name: string; message: string } {
  const name =
    spec.errorType ??
    NAME_BY_STATUS[spec.status] ??
    (spec.status >= 500 ? 'InternalServerException' : 'ValidationException');
  return { name, message: spec.message ?? EXCEPTIONS[name]?.message ?? name };
}

/** The error body of a status. */
export function bedrockErrorBody(spec: VendorErrorSpec): { message: string } {
  return { message: exceptionOf(spec).message };
}

/** `x-amzn-ErrorType`, which the AWS SDK reads first to name the error. */
export function bedrockErrorHeaders(spec: VendorErrorSpec): Record<string, string> {
  return {
    'x-amzn-ErrorType': `${exceptionOf(spec).name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  };
}

/**
 * The exception frame of a stream error. `errorType` names the member (`throttlingException`; a
 * PascalCase name is lowered); the default is `modelStreamErrorException`, which carries the
 * model's own status and message.
 */
export function bedrockStreamException(
  errorType: string | undefined,
  message: string | undefined,
): Uint8Array {
  const type = lowerFirst(errorType ?? DEFAULT_STREAM_EXCEPTION);
  const text = message ?? EXCEPTIONS[upperFirst(type)]?.message ?? type;
  return type === DEFAULT_STREAM_EXCEPTION
    ? exceptionFrame(type, { message: text, originalStatusCode: 500, originalMessage: text })
    : exceptionFrame(type, { message: text });
}

/** The HTTP error a stream error becomes on a request that did not stream. */
export function bedrockStreamErrorAsStatus(
  errorType: string | undefined,
  message: string | undefined,
): VendorErrorSpec {
  const name = upperFirst(errorType ?? DEFAULT_STREAM_EXCEPTION);
  const spec: VendorErrorSpec = { status: EXCEPTIONS[name]?.status ?? 500, errorType: name };
  if (message !== undefined) spec.message = message;
  return spec;
}

/** Headers of every Bedrock response. */
export function bedrockResponseHeaders(): Record<string, string> {
  return { 'x-amzn-RequestId': randomUUID() };
}
