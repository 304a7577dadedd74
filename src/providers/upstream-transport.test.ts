import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DetourError, type UpstreamErrorInfo } from '../core/index.js';
import { classifyTransportError, UpstreamTransport } from './upstream-transport.js';

const upstream: UpstreamErrorInfo = { provider: 'p', deployment: 'p/m' };

/** Every field a caller reads from a classified error. */
function fields(error: DetourError) {
  return {
    instance: error instanceof DetourError,
    name: error.name,
    code: error.code,
    failureClass: error.failureClass,
    message: error.message,
    status: error.status,
    timeout: error.timeout,
    upstream: error.upstream,
    param: error.param,
    retryAfterMs: error.retryAfterMs,
    shouldRetry: error.shouldRetry,
    cause: error.cause,
  };
}

function withCode(code: unknown, message = `failed with ${String(code)}`): Error {
  return Object.assign(new Error(message), { code });
}

function transportFailure(cause: unknown, message: string) {
  return {
    instance: true,
    name: 'DetourError',
    code: 'upstream_transport_error',
    failureClass: 'transport',
    message,
    status: 502,
    timeout: undefined,
    upstream,
    param: undefined,
    retryAfterMs: undefined,
    shouldRetry: undefined,
    cause,
  };
}

describe('classifyTransportError', () => {
  it('returns a DetourError as it is', () => {
    const error = new DetourError('upstream_idle_timeout', 'timeout', 'idle', { timeout: 'idle' });
    expect(classifyTransportError(error, upstream)).toBe(error);
  });

  it('classifies UND_ERR_CONNECT_TIMEOUT as a connect timeout', () => {
    const cause = withCode('UND_ERR_CONNECT_TIMEOUT');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual({
      instance: true,
      name: 'DetourError',
      code: 'upstream_connect_timeout',
      failureClass: 'timeout',
      message: 'connect to upstream timed out',
      status: 504,
      timeout: 'connect',
      upstream,
      param: undefined,
      retryAfterMs: undefined,
      shouldRetry: undefined,
      cause,
    });
  });

  it('classifies UND_ERR_HEADERS_TIMEOUT as a first-token timeout', () => {
    const cause = withCode('UND_ERR_HEADERS_TIMEOUT');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual({
      instance: true,
      name: 'DetourError',
      code: 'upstream_first_token_timeout',
      failureClass: 'timeout',
      message: 'upstream sent no response within the first-token timeout',
      status: 504,
      timeout: 'first_token',
      upstream,
      param: undefined,
      retryAfterMs: undefined,
      shouldRetry: undefined,
      cause,
    });
  });

  it('classifies UND_ERR_BODY_TIMEOUT as an idle timeout', () => {
    const cause = withCode('UND_ERR_BODY_TIMEOUT');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual({
      instance: true,
      name: 'DetourError',
      code: 'upstream_idle_timeout',
      failureClass: 'timeout',
      message: 'upstream stopped sending its response (idle timeout)',
      status: 504,
      timeout: 'idle',
      upstream,
      param: undefined,
      retryAfterMs: undefined,
      shouldRetry: undefined,
      cause,
    });
  });

  it.each([
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
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_TLS',
    'CERT_HAS_EXPIRED',
    'CERT_',
  ])('names the connection failure %s in its message', (code) => {
    const cause = withCode(code, 'the message is not used');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, `upstream connection failed: ${code}`),
    );
  });

  it.each([
    'EACCES',
    'UND_ERR_ABORTED',
    'XERR_TLS',
    'XCERT_',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'econnrefused',
    '',
  ])('reports the message of an error with the unlisted code %j', (code) => {
    const cause = withCode(code, 'something broke');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream request failed: something broke'),
    );
  });

  it('finds the code on a nested cause', () => {
    const inner = withCode('ECONNRESET');
    const cause = new Error('fetch failed', { cause: new Error('socket', { cause: inner }) });
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream connection failed: ECONNRESET'),
    );
  });

  it('finds a timeout code on a cause', () => {
    const cause = new Error('fetch failed', { cause: withCode('UND_ERR_BODY_TIMEOUT') });
    expect(classifyTransportError(cause, upstream).code).toBe('upstream_idle_timeout');
  });

  it('looks past a code that is not a string to the cause’s code', () => {
    const cause = Object.assign(new Error('outer'), { code: 42, cause: withCode('EPIPE') });
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream connection failed: EPIPE'),
    );
  });

  it('prefers the outer code to the cause’s', () => {
    const cause = Object.assign(new Error('outer'), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
      cause: withCode('ECONNRESET'),
    });
    expect(classifyTransportError(cause, upstream).code).toBe('upstream_first_token_timeout');
  });

  it('reads a code from a plain object', () => {
    const cause = { code: 'ENOTFOUND' };
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream connection failed: ENOTFOUND'),
    );
  });

  it('reports an Error without a code by its message', () => {
    const cause = new Error('other side said no');
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream request failed: other side said no'),
    );
  });

  it('reports a plain object without a code as a string', () => {
    const cause = { reason: 'x' };
    expect(fields(classifyTransportError(cause, upstream))).toStrictEqual(
      transportFailure(cause, 'upstream request failed: [object Object]'),
    );
  });

  it.each([
    ['a string', 'boom', 'upstream request failed: boom'],
    ['a number', 7, 'upstream request failed: 7'],
    ['null', null, 'upstream request failed: null'],
    ['undefined', undefined, 'upstream request failed: undefined'],
  ])('reports %s thrown as it reads', (_label, thrown, message) => {
    expect(fields(classifyTransportError(thrown, upstream))).toStrictEqual(transportFailure(thrown, message));
  });
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('UpstreamTransport', () => {
  let server: Server;
  let origin: string;
  let transport: UpstreamTransport;
  let handler: (request: IncomingMessage, response: ServerResponse, seen: Seen) => void;
  const seen: Seen[] = [];
  const open = new Set<ServerResponse>();

  beforeEach(async () => {
    seen.length = 0;
    server = createServer((request, response) => {
      open.add(response);
      response.on('close', () => open.delete(response));
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        const record: Seen = { method: request.method, url: request.url, headers: request.headers, body };
        seen.push(record);
        handler(request, response, record);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = new UpstreamTransport({ connectTimeoutMs: 5_000 });
  });

  afterEach(async () => {
    for (const response of open) response.destroy();
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function send(extra: { headersTimeoutMs?: number; bodyTimeoutMs?: number; signal?: AbortSignal } = {}) {
    return transport.request({
      origin,
      path: '/v1/chat/completions?x=1',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"model":"m"}',
      signal: extra.signal ?? new AbortController().signal,
      ...extra,
    });
  }

  it('POSTs the body and headers to the path and returns status, headers and body', async () => {
    handler = (_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      response.end('{"ok":true}');
    };
    const response = await send();
    expect(response.status).toBe(201);
    expect(response.headers['x-upstream']).toBe('yes');
    expect(response.headers['content-type']).toBe('application/json');
    expect(await response.body.text()).toBe('{"ok":true}');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/v1/chat/completions?x=1');
    expect(seen[0]?.body).toBe('{"model":"m"}');
    expect(seen[0]?.headers.authorization).toBe('Bearer k');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('returns an error status as it came', async () => {
    handler = (_request, response) => {
      response.writeHead(503, { 'retry-after': '2' });
      response.end('busy');
    };
    const response = await send();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(await response.body.text()).toBe('busy');
  });

  it('rejects with UND_ERR_HEADERS_TIMEOUT when no headers come within headersTimeoutMs', async () => {
    handler = () => {
      // Never answers; afterEach destroys the response.
    };
    await expect(send({ headersTimeoutMs: 50 })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('rejects the body with UND_ERR_BODY_TIMEOUT when it stalls longer than bodyTimeoutMs', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      // Then nothing more.
    };
    const response = await send({ bodyTimeoutMs: 50 });
    expect(response.status).toBe(200);
    await expect(response.body.text()).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });

  it.each([
    ['absent', {}],
    ['0', { headersTimeoutMs: 0, bodyTimeoutMs: 0 }],
  ])('enforces no header or body limit when the timeouts are %s', async (_label, timeouts) => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    handler = (_request, response) => {
      // Headers come only once the test has seen the request waiting, then the body stalls likewise.
      setTimeout(() => {
        response.writeHead(200);
        response.write('a');
        void released.then(() => response.end('b'));
      }, 150);
    };
    const response = await send(timeouts);
    const text = response.body.text();
    setTimeout(release, 150);
    expect(await text).toBe('ab');
  });

  it('aborts the request when its signal aborts', async () => {
    handler = () => {
      // Never answers.
    };
    const controller = new AbortController();
    const pending = send({ signal: controller.signal });
    await waitFor(() => seen.length === 1);
    controller.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');
  });

  it('closes its pooled connections and refuses requests after close()', async () => {
    handler = (_request, response) => {
      response.end('ok');
    };
    const own = new UpstreamTransport({ connectTimeoutMs: 5_000 });
    const response = await own.request({
      origin,
      path: '/',
      headers: {},
      body: '',
      signal: new AbortController().signal,
    });
    expect(await response.body.text()).toBe('ok');
    expect(await connections(server)).toBe(1);
    await own.close();
    await waitFor(async () => (await connections(server)) === 0);
    await expect(
      own.request({ origin, path: '/', headers: {}, body: '', signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}
