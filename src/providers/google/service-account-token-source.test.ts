import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import {
  generateTestKeyPair,
  type LocalTokenServer,
  startLocalTokenServer,
  type TestKeyPair,
  writeTestServiceAccount,
} from './__fixtures__/local-token-server.js';
import { readServiceAccountFile } from './read-service-account-file.js';
import { CLOUD_PLATFORM_SCOPE } from './service-account-client.js';
import { ServiceAccountTokenSource, type TokenSourceOptions } from './service-account-token-source.js';

let keys: TestKeyPair;
let server: LocalTokenServer;

beforeAll(async () => {
  keys = generateTestKeyPair();
  server = await startLocalTokenServer(keys.publicKey);
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.grants.length = 0;
  server.replies.length = 0;
});

function sourceFor(tokenUri: string, options: TokenSourceOptions = {}): ServiceAccountTokenSource {
  const key = readServiceAccountFile('vx', writeTestServiceAccount(tokenUri, keys.privateKeyPem));
  return new ServiceAccountTokenSource('vx', key, options);
}

async function failureOf(promise: Promise<unknown>): Promise<DetourError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DetourError);
  return error as DetourError;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('ServiceAccountTokenSource', () => {
  it("sends the JWT-bearer grant to the key file's token_uri, signed with its key, with that URI as audience", async () => {
    const tokenUri = `${server.url}/private/oauth/token`;
    const token = await sourceFor(tokenUri).token();

    expect(token).toBe(server.issued[0]);
    expect(server.grants).toHaveLength(1);
    const [grant] = server.grants;
    expect(grant?.path).toBe('/private/oauth/token');
    expect(grant?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(grant?.grantType).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(grant?.signatureValid).toBe(true);
    expect(grant?.header.alg).toBe('RS256');
    expect(grant?.claims).toMatchObject({
      iss: 'detour@test-project.iam.gserviceaccount.com',
      aud: tokenUri,
      scope: CLOUD_PLATFORM_SCOPE,
    });
  });

  it('asks once for many calls, sequential and concurrent, while the token is fresh', async () => {
    const source = sourceFor(`${server.url}/token`);
    const concurrent = await Promise.all([source.token(), source.token(), source.token()]);
    const later = [await source.token(), await source.token()];

    expect(server.grants).toHaveLength(1);
    expect(new Set([...concurrent, ...later])).toEqual(new Set([server.issued.at(-1)]));
  });

  it('asks again when the token is within five minutes of expiry, before it expires', async () => {
    // A token that lives 200 s is already inside the library's 5-minute early-refresh window.
    const source = sourceFor(`${server.url}/token`);
    server.replies.push(
      { status: 200, body: { access_token: 'ya29.short-1', expires_in: 200, token_type: 'Bearer' } },
      { status: 200, body: { access_token: 'ya29.short-2', expires_in: 200, token_type: 'Bearer' } },
    );

    expect(await source.token()).toBe('ya29.short-1');
    expect(await source.token()).toBe('ya29.short-2');
    expect(server.grants).toHaveLength(2);
  });

  it.each([
    [400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, 'HTTP 400 invalid_grant'],
    [
      401,
      { error: 'invalid_client', error_description: 'The OAuth client was not found.' },
      'HTTP 401 invalid_client',
    ],
    [403, { error: 'access_denied' }, 'HTTP 403 access_denied'],
  ])(
    'classifies a refused grant (HTTP %i) as auth, naming the provider and no secret',
    async (status, body, said) => {
      const source = sourceFor(`${server.url}/token`);
      server.replies.push({ status, body });

      const error = await failureOf(source.token());

      expect(error.failureClass).toBe('auth');
      expect(error.code).toBe('upstream_auth_failed');
      expect(error.status).toBe(502);
      expect(error.message).toBe(
        `provider "vx": the token endpoint rejected the service account's credentials (${said})`,
      );
      const everything = `${error.message} ${JSON.stringify(error.toJSON())} ${String(error.cause)}`;
      expect(everything).not.toContain(server.grants[0]?.assertion);
      expect(everything).not.toContain('PRIVATE KEY');
      expect(server.grants).toHaveLength(1);
    },
  );

  it('classifies a failing token endpoint as server_error after one request: the library does not retry', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 503, body: { error: 'temporarily_unavailable' } });

    const error = await failureOf(source.token());

    expect(error.failureClass).toBe('server_error');
    expect(server.grants).toHaveLength(1);
  });

  it('classifies a rate-limited token endpoint as rate_limited', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 429, body: { error: 'rate_limit_exceeded' } });

    expect((await failureOf(source.token())).failureClass).toBe('rate_limited');
  });

  it('classifies an unreachable token endpoint as transport, naming the provider', async () => {
    const source = sourceFor(`http://127.0.0.1:${await closedPort()}/token`);

    const error = await failureOf(source.token());

    expect(error.failureClass).toBe('transport');
    expect(error.message).toBe('provider "vx": the token endpoint is unreachable (ECONNREFUSED)');
  });

  it('classifies a token endpoint that never answers as transport once its timeout passes', async () => {
    const source = sourceFor(`${server.url}/token`, { timeoutMs: 100 });
    server.replies.push('hang');

    const error = await failureOf(source.token());

    expect(error.failureClass).toBe('transport');
    expect(error.message).toBe('provider "vx": the token endpoint did not answer in time');
  });

  it("stops waiting when the attempt's signal aborts, with the signal's reason", async () => {
    const source = sourceFor(`${server.url}/token`, { timeoutMs: 60_000 });
    server.replies.push('hang');
    const controller = new AbortController();
    const reason = new DetourError('upstream_first_token_timeout', 'timeout', 'first token timeout');

    const pending = source.token(controller.signal);
    await expect.poll(() => server.grants.length).toBe(1);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
  });

  it('rejects at once for a signal that already aborted', async () => {
    const source = sourceFor(`${server.url}/token`);
    const reason = new Error('client gone');

    await expect(source.token(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(server.grants).toHaveLength(0);
  });

  it('asks again after a failure: a refused grant is not cached', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 400, body: { error: 'invalid_grant' } });

    await failureOf(source.token());
    const token = await source.token();

    expect(token).toBe(server.issued.at(-1));
    expect(server.grants).toHaveLength(2);
  });

  it('classifies a 200 without an access token as bad_response', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 200, body: { token_type: 'Bearer', expires_in: 3599 } });

    const error = await failureOf(source.token());

    expect(error.failureClass).toBe('bad_response');
    expect(error.message).toBe('provider "vx": the token endpoint sent no usable token');
  });

  it.each([
    ['an error that is no RFC 6749 code (upper case)', { error: 'Invalid_grant' }],
    ['an error that is no RFC 6749 code (a hyphen)', { error: 'invalid-grant' }],
    ['an error code longer than 40 characters', { error: 'a'.repeat(41) }],
    ['an error that is a list, not a string', { error: ['invalid_grant'] }],
    ['an error that is an object', { error: { code: 400, message: 'Bad Request' } }],
    ['a body without an error', { error_description: 'Invalid JWT Signature.' }],
    ['a JSON null body', null],
    ['a JSON string body', 'invalid_grant'],
  ])('names only the status for %s', async (_what, body) => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 400, body });

    const error = await failureOf(source.token());

    expect(error.failureClass).toBe('auth');
    expect(error.message).toBe(
      'provider "vx": the token endpoint rejected the service account\'s credentials (HTTP 400)',
    );
  });

  it('names an RFC 6749 error code of exactly 40 characters', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 400, body: { error: 'a'.repeat(40) } });

    expect((await failureOf(source.token())).message).toBe(
      `provider "vx": the token endpoint rejected the service account's credentials (HTTP 400 ${'a'.repeat(40)})`,
    );
  });

  it.each([
    [
      429,
      { error: 'rate_limit_exceeded' },
      'rate_limited',
      'upstream_rate_limited',
      'is rate-limiting (HTTP 429 rate_limit_exceeded)',
    ],
    [429, {}, 'rate_limited', 'upstream_rate_limited', 'is rate-limiting (HTTP 429)'],
    [
      500,
      { error: 'internal_failure' },
      'server_error',
      'upstream_server_error',
      'failed (HTTP 500 internal_failure)',
    ],
    [503, {}, 'server_error', 'upstream_server_error', 'failed (HTTP 503)'],
    [499, {}, 'auth', 'upstream_auth_failed', "rejected the service account's credentials (HTTP 499)"],
    [
      404,
      'Not Found',
      'auth',
      'upstream_auth_failed',
      "rejected the service account's credentials (HTTP 404)",
    ],
  ])('classifies HTTP %i with body %j as %s (%s)', async (status, body, failureClass, code, detail) => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status, body });

    const error = await failureOf(source.token());

    expect([error.failureClass, error.code, error.message]).toStrictEqual([
      failureClass,
      code,
      `provider "vx": the token endpoint ${detail}`,
    ]);
    expect(server.grants).toHaveLength(1);
  });

  it('gives the transport code with every transport failure', async () => {
    const refused = await failureOf(sourceFor(`http://127.0.0.1:${await closedPort()}/token`).token());
    const timedOut = sourceFor(`${server.url}/token`, { timeoutMs: 100 });
    server.replies.push('hang');
    const late = await failureOf(timedOut.token());

    expect([refused.code, late.code]).toStrictEqual(['upstream_transport_error', 'upstream_transport_error']);
  });

  it('classifies a connection the endpoint drops unanswered as transport, naming the socket error from the cause chain', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push('reset');

    const error = await failureOf(source.token());

    expect([error.failureClass, error.code, error.message]).toStrictEqual([
      'transport',
      'upstream_transport_error',
      'provider "vx": the token endpoint is unreachable (UND_ERR_SOCKET)',
    ]);
    expect(server.grants).toHaveLength(1);
  });

  it('gives the bad_response code for a 200 without an access token', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 200, body: { token_type: 'Bearer', expires_in: 3599 } });

    expect((await failureOf(source.token())).code).toBe('upstream_bad_response');
  });

  it('classifies an access token that is not a string as bad_response', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 200, body: { access_token: 5, expires_in: 3599, token_type: 'Bearer' } });

    const error = await failureOf(source.token());

    expect([error.failureClass, error.code, error.message]).toStrictEqual([
      'bad_response',
      'upstream_bad_response',
      'provider "vx": the token endpoint answered without an access token',
    ]);
  });

  it('classifies an empty access token as bad_response', async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 200, body: { access_token: '', expires_in: 3599, token_type: 'Bearer' } });

    const error = await failureOf(source.token());

    expect([error.failureClass, error.code]).toStrictEqual(['bad_response', 'upstream_bad_response']);
  });

  it('sends the grant through the fetch it is given', async () => {
    const throughOption: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-detour-test-fetch', 'the option');
      return fetch(input, { ...init, headers });
    };
    const source = sourceFor(`${server.url}/token`, { fetch: throughOption });

    expect(await source.token()).toBe(server.issued.at(-1));
    expect(server.grants[0]?.headers['x-detour-test-fetch']).toBe('the option');
  });

  it("classifies a grant the given fetch's own signal aborts as transport, not answered in time", async () => {
    const controller = new AbortController();
    const abortable: typeof fetch = (input, init) => fetch(input, { ...init, signal: controller.signal });
    const source = sourceFor(`${server.url}/token`, { fetch: abortable, timeoutMs: 60_000 });
    server.replies.push('hang');

    const pending = failureOf(source.token());
    await expect.poll(() => server.grants.length).toBe(1);
    controller.abort();
    const error = await pending;

    expect([error.failureClass, error.message]).toStrictEqual([
      'transport',
      'provider "vx": the token endpoint did not answer in time',
    ]);
  });

  it("leaves no listener on the attempt's signal once the token has come", async () => {
    const source = sourceFor(`${server.url}/token`);
    const controller = new AbortController();

    expect(await source.token(controller.signal)).toBe(server.issued.at(-1));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("leaves no listener on the attempt's signal once the grant has failed", async () => {
    const source = sourceFor(`${server.url}/token`);
    server.replies.push({ status: 400, body: { error: 'invalid_grant' } });
    const controller = new AbortController();

    expect((await failureOf(source.token(controller.signal))).failureClass).toBe('auth');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
