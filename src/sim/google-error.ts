import type { VendorErrorSpec } from './sim-wire.js';

/** Google's canonical RPC status names by HTTP status, as both the Gemini API and Vertex AI use them. */
const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** HTTP status of every RPC status name (google.rpc.Code's HTTP mapping). */
const HTTP_BY_STATUS: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNKNOWN: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** Messages Google sends with each status (from the Gemini API troubleshooting page and real replies). */
const MESSAGES: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  FAILED_PRECONDITION: 'Precondition check failed.',
  UNAUTHENTICATED:
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  PERMISSION_DENIED: 'The caller does not have permission',
  NOT_FOUND: 'Requested entity was not found.',
  RESOURCE_EXHAUSTED: 'Resource has been exhausted (e.g. check quota).',
  CANCELLED: 'The operation was cancelled.',
  INTERNAL: 'Internal error encountered.',
  UNAVAILABLE: 'The model is overloaded. Please try again later.',
  DEADLINE_EXCEEDED: 'Deadline expired before operation could complete.',
};

/** The Google service a simulated host stands for, named in `ErrorInfo.metadata.service`. */
export type GoogleService = 'generativelanguage.googleapis.com' | 'aiplatform.googleapis.com';

/** Whether a fault's `errorType` names a Google RPC status (so it picks the Google error shape). */
export function isGoogleStatus(name: string | undefined): name is string {
  return name !== undefined && name in HTTP_BY_STATUS;
}

/** The HTTP status of an RPC status name, when `name` is one. */
export function googleStatusHttp(name: string | undefined): number | undefined {
  return isGoogleStatus(name) ? HTTP_BY_STATUS[name] : undefined;
}

/** The RPC status name for an HTTP status, `errorType` overriding it. */
export function googleStatusName(httpStatus: number, errorType?: string): string {
  if (isGoogleStatus(errorType)) return errorType;
  return STATUS_BY_HTTP[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

/**
 * Google's error body: `{error: {code, message, status, details?}}`. `errorType` overrides the status
 * name; `errorCode` becomes the `reason` of a `google.rpc.ErrorInfo` detail (e.g. `API_KEY_INVALID`).
 * @see https://cloud.google.com/apis/design/errors
 */
export function googleErrorBody(spec: VendorErrorSpec, service: GoogleService) {
  const status = googleStatusName(spec.status, spec.errorType);
  const error: Record<string, unknown> = {
    code: spec.status,
    message: spec.message ?? MESSAGES[status] ?? `HTTP ${spec.status}`,
    status,
  };
  if (spec.errorCode !== undefined) {
    error.details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: spec.errorCode,
        domain: 'googleapis.com',
        metadata: { service },
      },
    ];
  }
  return { error };
}

/**
 * A Google error sent inside a stream. Google has no error event type: mid-stream it sends one more
 * `data:` line holding the error body, then ends the stream; `@google/genai` throws `ApiError` for
 * any such chunk whose `code` is 400–599. The default is 503 UNAVAILABLE; `errorType` picks another
 * status by name.
 */
export function googleStreamErrorBody(
  errorType: string | undefined,
  message: string | undefined,
  service: GoogleService,
) {
  const httpStatus = googleStatusHttp(errorType) ?? 503;
  const spec: VendorErrorSpec = { status: httpStatus };
  if (isGoogleStatus(errorType)) spec.errorType = errorType;
  if (message !== undefined) spec.message = message;
  return googleErrorBody(spec, service);
}
