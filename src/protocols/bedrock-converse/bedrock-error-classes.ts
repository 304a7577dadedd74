import type { FailureClass } from '../../core/index.js';

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
export function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Bedrock's exception names, in both spellings, and the class each decides before the status. */
export const BEDROCK_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = Object.fromEntries(
  Object.entries(UPPER_CAMEL_CLASSES).flatMap(([name, failureClass]) => [
    [name, failureClass],
    [lowerCamel(name), failureClass],
  ]),
);
