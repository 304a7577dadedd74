import type { FailureClass } from '../../core/index.js';

/**
 * Google's RPC status names and `ErrorInfo` reasons that decide the class before the HTTP status
 * does (DESIGN.md section 6), for the Gemini API and Vertex AI alike. Reasons are looked up first,
 * so `API_KEY_INVALID` (sent with a 400 INVALID_ARGUMENT) is `auth`, not a client error.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 * @see https://cloud.google.com/apis/design/errors#handling_errors
 */
export const GOOGLE_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  // Statuses.
  RESOURCE_EXHAUSTED: 'rate_limited',
  // Google answers 503 UNAVAILABLE with "The model is overloaded. Please try again later." when
  // capacity runs short: section 6 files exactly this (Anthropic 529, OpenAI 503 overloaded) under
  // `overloaded`, so the host counts a failure and a lone deployment is retried with back-off.
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  NOT_FOUND: 'not_found',
  INVALID_ARGUMENT: 'client_error',
  FAILED_PRECONDITION: 'client_error',
  OUT_OF_RANGE: 'client_error',
  INTERNAL: 'server_error',
  UNKNOWN: 'server_error',
  // Reasons (`ErrorInfo.reason`).
  API_KEY_INVALID: 'auth',
  // Set by readGoogleErrorDetails too when a FAILED_PRECONDITION message asks to enable billing.
  BILLING_DISABLED: 'quota',
};
