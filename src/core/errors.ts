/**
 * Detour's error taxonomy. Every failure — a bad client request, an upstream fault, a timeout —
 * becomes one {@link DetourError} with a stable `code`; protocol modules render it in their wire format.
 */

/**
 * How a failed attempt is classified (DESIGN.md section 6). Everything downstream — retry,
 * failover, health, what the client sees — reads the class, never the raw status or message.
 */
export type FailureClass =
  | 'client_error'
  | 'content_policy'
  | 'rate_limited'
  | 'quota'
  | 'auth'
  | 'not_found'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'transport'
  | 'bad_response';

/** Stable error codes. Clients and tests may match on these; messages may change. */
export type DetourErrorCode =
  // The client's own request.
  | 'invalid_request'
  | 'invalid_json'
  | 'payload_too_large'
  /** The request body did not arrive within `server.bodyTimeout` (408). */
  | 'request_timeout'
  /** The client closed its connection before its request body arrived (499, nginx's code; never sent). */
  | 'client_closed_request'
  | 'model_not_found'
  | 'unauthorized'
  /** A client key used for a model outside its scope. */
  | 'permission_denied'
  /** A client key over its requests or tokens per minute. */
  | 'rate_limit_exceeded'
  /** A client key whose spend budget cannot cover the request. */
  | 'budget_exceeded'
  | 'not_implemented'
  // What an upstream answered or failed to answer.
  | 'upstream_invalid_request'
  /** A host refused the prompt as longer than the model's context window (class `client_error`). */
  | 'upstream_context_length_exceeded'
  | 'upstream_content_policy'
  | 'upstream_rate_limited'
  | 'upstream_quota_exceeded'
  | 'upstream_auth_failed'
  | 'upstream_model_not_found'
  | 'upstream_overloaded'
  | 'upstream_server_error'
  | 'upstream_timeout'
  | 'upstream_connect_timeout'
  | 'upstream_first_token_timeout'
  | 'upstream_idle_timeout'
  | 'upstream_transport_error'
  | 'upstream_bad_response'
  // Detour itself.
  | 'no_deployment_available'
  /** The prompt's estimate exceeds the known context window of every deployment that could serve it. */
  | 'context_length_exceeded'
  | 'internal_error';

/** Which timeout fired, for `timeout` failures. */
export type TimeoutKind = 'connect' | 'first_token' | 'idle' | 'total';

/** Facts about the upstream attempt that produced an error. Never holds credentials. */
export interface UpstreamErrorInfo {
  /** Provider name from the config. */
  provider: string;
  /** Deployment id (`provider/upstream-model`). */
  deployment: string;
  /** HTTP status the upstream returned, when it returned one. */
  status?: number;
  /** The vendor's error type (`overloaded_error`, `rate_limit_error`, ...). */
  vendorType?: string;
  /** The vendor's error code (`insufficient_quota`, `context_length_exceeded`, ...). */
  vendorCode?: string;
  /** The upstream's request id header, for support tickets. */
  requestId?: string;
}

/** A plain, serialisable view of a {@link DetourError} (for stream events, logs and records). */
export interface DetourErrorShape {
  /** Stable code. */
  code: DetourErrorCode;
  /** Human-readable message; never contains credentials. */
  message: string;
  /** HTTP status to answer with. */
  status: number;
  /** The failure class. */
  failureClass: FailureClass;
  /** The request field at fault, as a dotted path (`messages[0].role`). */
  param?: string;
  /** How long the client should wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** The upstream attempt behind this error, if any. */
  upstream?: UpstreamErrorInfo;
}

/** Options for constructing a {@link DetourError}. */
export interface DetourErrorOptions {
  /** HTTP status; defaults from the class. */
  status?: number;
  /** The request field at fault. */
  param?: string;
  /** Advised wait before retry, in milliseconds. */
  retryAfterMs?: number;
  /** The upstream attempt behind it. */
  upstream?: UpstreamErrorInfo;
  /** Which timeout fired. */
  timeout?: TimeoutKind;
  /** The host's own retry verdict (`x-should-retry`), when it gave one. */
  shouldRetry?: boolean;
  /** The underlying error. */
  cause?: unknown;
}

/** The HTTP status each class answers with when it reaches the client (DESIGN.md section 6). */
export const STATUS_BY_CLASS: Readonly<Record<FailureClass, number>> = {
  client_error: 400,
  content_policy: 400,
  rate_limited: 429,
  quota: 429,
  auth: 502,
  not_found: 404,
  overloaded: 503,
  server_error: 502,
  timeout: 504,
  transport: 502,
  bad_response: 502,
};

/** What a failure class is called when it came from an upstream. */
const UPSTREAM_CODE_BY_CLASS: Readonly<Record<FailureClass, DetourErrorCode>> = {
  client_error: 'upstream_invalid_request',
  content_policy: 'upstream_content_policy',
  rate_limited: 'upstream_rate_limited',
  quota: 'upstream_quota_exceeded',
  auth: 'upstream_auth_failed',
  not_found: 'upstream_model_not_found',
  overloaded: 'upstream_overloaded',
  server_error: 'upstream_server_error',
  timeout: 'upstream_timeout',
  transport: 'upstream_transport_error',
  bad_response: 'upstream_bad_response',
};

/** The code an upstream failure of this class carries. */
export function upstreamCodeFor(failureClass: FailureClass): DetourErrorCode {
  return UPSTREAM_CODE_BY_CLASS[failureClass];
}

/** The one error class Detour throws and renders. */
export class DetourError extends Error {
  /** Stable code. */
  readonly code: DetourErrorCode;
  /** The failure class. */
  readonly failureClass: FailureClass;
  /** HTTP status to answer with. */
  readonly status: number;
  /** The request field at fault. */
  readonly param: string | undefined;
  /** Advised wait before retry, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The upstream attempt behind it. */
  readonly upstream: UpstreamErrorInfo | undefined;
  /** Which timeout fired, for timeouts. */
  readonly timeout: TimeoutKind | undefined;
  /** The host's own retry verdict (`x-should-retry`), when it gave one. */
  readonly shouldRetry: boolean | undefined;

  constructor(
    code: DetourErrorCode,
    failureClass: FailureClass,
    message: string,
    options: DetourErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DetourError';
    this.code = code;
    this.failureClass = failureClass;
    this.status = options.status ?? STATUS_BY_CLASS[failureClass];
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs;
    this.upstream = options.upstream;
    this.timeout = options.timeout;
    this.shouldRetry = options.shouldRetry;
  }

  /** A plain object view, safe to log and serialise. */
  toJSON(): DetourErrorShape {
    const shape: DetourErrorShape = {
      code: this.code,
      message: this.message,
      status: this.status,
      failureClass: this.failureClass,
    };
    if (this.param !== undefined) shape.param = this.param;
    if (this.retryAfterMs !== undefined) shape.retryAfterMs = this.retryAfterMs;
    if (this.upstream !== undefined) shape.upstream = this.upstream;
    return shape;
  }

  /** Rebuilds an error from its plain view. */
  static fromShape(shape: DetourErrorShape): DetourError {
    return new DetourError(shape.code, shape.failureClass, shape.message, {
      status: shape.status,
      param: shape.param,
      retryAfterMs: shape.retryAfterMs,
      upstream: shape.upstream,
    });
  }
}

/** A client request failed validation; `param` names the field. */
export function invalidRequest(message: string, param?: string): DetourError {
  return new DetourError('invalid_request', 'client_error', message, { status: 400, param });
}

/** Turns anything thrown into a DetourError (unknown throwables become `internal_error`). */
export function toDetourError(error: unknown): DetourError {
  if (error instanceof DetourError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DetourError('internal_error', 'server_error', `internal error: ${message}`, {
    status: 500,
    cause: error,
  });
}
