import type { JWT } from 'google-auth-library';
import { DetourError } from '../../core/index.js';
import { createServiceAccountClient, type ServiceAccountKey } from './service-account-client.js';

/** How long a token request may take before the attempt gives up on it. */
const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/** Options for {@link ServiceAccountTokenSource}. */
export interface TokenSourceOptions {
  /** Longest wait for the token endpoint, in milliseconds. */
  timeoutMs?: number;
  /** The fetch token requests go through (tests leave it alone: they run a real token server). */
  fetch?: typeof fetch;
}

/** The first string `code` on an error or its causes (`ECONNREFUSED`, `TimeoutError`). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return name;
  return errorCode((error as { cause?: unknown }).cause, depth + 1);
}

/** The HTTP reply a library error carries, when the token endpoint answered at all. */
function replyOf(error: unknown): { status: number; data: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const response = (error as { response?: unknown }).response;
  if (typeof response !== 'object' || response === null) return undefined;
  const status = (response as { status?: unknown }).status;
  if (typeof status !== 'number') return undefined;
  return { status, data: (response as { data?: unknown }).data };
}

/** RFC 6749's error code (`invalid_grant`), which is safe to show: an enumerated word, never a secret. */
function oauthErrorCode(data: unknown): string | undefined {
  const code = typeof data === 'object' && data !== null ? (data as { error?: unknown }).error : undefined;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
}

/**
 * Access tokens for one provider's service account, from google-auth-library's JWT client: the
 * library caches a token and fetches the next one 5 minutes before it expires, and concurrent
 * callers share one grant in flight. Its failures become classified errors that name the provider
 * and never carry the key, the signed assertion or the token (the library's error is dropped, not
 * chained, because its request config holds the assertion).
 */
export class ServiceAccountTokenSource {
  private readonly client: JWT;

  constructor(
    private readonly provider: string,
    key: ServiceAccountKey,
    options: TokenSourceOptions = {},
  ) {
    this.client = createServiceAccountClient(key, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS,
      retries: false,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /**
   * The current access token. `signal` stops the wait (not the shared grant, which other attempts
   * may be waiting on too) and rejects with its reason.
   */
  async token(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw signal.reason;
    const pending = this.client.getAccessToken().then(
      (reply) => {
        if (typeof reply.token !== 'string' || reply.token === '') {
          throw this.failure('bad_response', 'the token endpoint answered without an access token');
        }
        return reply.token;
      },
      (error: unknown) => {
        throw error instanceof DetourError ? error : this.classify(error);
      },
    );
    if (signal === undefined) return pending;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, aborted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      pending.catch(() => undefined);
      aborted.catch(() => undefined);
    }
  }

  private classify(error: unknown): DetourError {
    const reply = replyOf(error);
    if (reply === undefined) {
      const code = errorCode(error);
      if (code === 'TimeoutError' || code === 'AbortError') {
        return this.failure('transport', 'the token endpoint did not answer in time');
      }
      // Connection failures always carry a system or undici code; an error without one is the
      // library refusing what the endpoint sent (a 200 without an access token).
      if (code === undefined) return this.failure('bad_response', 'the token endpoint sent no usable token');
      return this.failure('transport', `the token endpoint is unreachable (${code})`);
    }
    const oauthCode = oauthErrorCode(reply.data);
    const said = `HTTP ${reply.status}${oauthCode === undefined ? '' : ` ${oauthCode}`}`;
    if (reply.status === 429)
      return this.failure('rate_limited', `the token endpoint is rate-limiting (${said})`);
    if (reply.status >= 500) return this.failure('server_error', `the token endpoint failed (${said})`);
    // 400 invalid_grant (a revoked or deleted key, a wrong clock), 401 invalid_client, a token_uri
    // that is no token endpoint: all mean our credentials do not work, a config fault.
    return this.failure('auth', `the token endpoint rejected the service account's credentials (${said})`);
  }

  private failure(
    failureClass: 'auth' | 'rate_limited' | 'server_error' | 'transport' | 'bad_response',
    detail: string,
  ): DetourError {
    const code = {
      auth: 'upstream_auth_failed',
      rate_limited: 'upstream_rate_limited',
      server_error: 'upstream_server_error',
      transport: 'upstream_transport_error',
      bad_response: 'upstream_bad_response',
    } as const;
    return new DetourError(code[failureClass], failureClass, `provider "${this.provider}": ${detail}`);
  }
}
