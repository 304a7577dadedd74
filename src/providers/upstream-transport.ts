import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { DetourError, type UpstreamErrorInfo } from '../core/index.js';

/** One HTTP request to an upstream host. */
export interface UpstreamHttpRequest {
  /** Scheme, host and port, from the provider's configured base URL (never from client input). */
  origin: string;
  /** Path of the endpoint, e.g. `/v1/chat/completions`. */
  path: string;
  /** Request headers, credentials included. */
  headers: Record<string, string>;
  /** JSON body text. */
  body: string;
  /** Aborts the request (timeouts, client gone, deadline). */
  signal: AbortSignal;
  /** Longest wait for the response headers, enforced by undici (0 or absent: none). */
  headersTimeoutMs?: number;
  /** Longest gap between body chunks, enforced by undici (0 or absent: none). */
  bodyTimeoutMs?: number;
}

/** The upstream's answer: status, headers and a body still to be read. */
export interface UpstreamHttpResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: IncomingHttpHeaders;
  /** The body, as a stream of chunks. */
  body: Dispatcher.ResponseData['body'];
}

/** Transport settings shared by every upstream. */
export interface TransportOptions {
  /** TCP+TLS connect timeout (DESIGN.md: 5 s). */
  connectTimeoutMs: number;
  /** Keep-alive time for idle sockets. */
  keepAliveMs?: number;
}

/** Error codes of Node and undici that mean the connection itself failed. */
const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/** Classifies a thrown transport error (connect timeout, reset, refused, TLS). */
export function classifyTransportError(error: unknown, upstream: UpstreamErrorInfo): DetourError {
  if (error instanceof DetourError) return error;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new DetourError('upstream_connect_timeout', 'timeout', `connect to upstream timed out`, {
      timeout: 'connect',
      upstream,
      cause: error,
    });
  }
  // Non-streaming attempts use undici's own limits as their first-token and idle timeouts.
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new DetourError(
      'upstream_first_token_timeout',
      'timeout',
      'upstream sent no response within the first-token timeout',
      {
        timeout: 'first_token',
        upstream,
        cause: error,
      },
    );
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new DetourError(
      'upstream_idle_timeout',
      'timeout',
      'upstream stopped sending its response (idle timeout)',
      {
        timeout: 'idle',
        upstream,
        cause: error,
      },
    );
  }
  if (
    code !== undefined &&
    (TRANSPORT_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('CERT_'))
  ) {
    return new DetourError('upstream_transport_error', 'transport', `upstream connection failed: ${code}`, {
      upstream,
      cause: error,
    });
  }
  return new DetourError('upstream_transport_error', 'transport', `upstream request failed: ${detail}`, {
    upstream,
    cause: error,
  });
}

/** A keep-alive connection pool per upstream origin (undici Agent), shared by all providers. */
export class UpstreamTransport {
  private readonly agent: Agent;

  constructor(options: TransportOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: options.keepAliveMs ?? 30_000,
      // Limits are per model: streams use Detour's watchdog, non-streaming requests set undici's per request.
      headersTimeout: 0,
      bodyTimeout: 0,
      connections: 256,
      pipelining: 1,
    });
  }

  /** Sends one request. Rejects with whatever undici throws; callers classify it. */
  async request(request: UpstreamHttpRequest): Promise<UpstreamHttpResponse> {
    const response = await this.agent.request({
      origin: request.origin,
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      headersTimeout: request.headersTimeoutMs ?? 0,
      bodyTimeout: request.bodyTimeoutMs ?? 0,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
