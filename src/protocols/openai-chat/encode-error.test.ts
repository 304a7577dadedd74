import { describe, expect, it } from 'vitest';
import { DetourError, invalidRequest } from '../../core/index.js';
import { encodeOpenaiError, encodeOpenaiStreamError } from './encode-error.js';

describe('encodeOpenaiError', () => {
  it.each([
    [
      invalidRequest("Missing required parameter: 'model'", 'model'),
      400,
      'invalid_request_error',
      'model',
      'invalid_request',
    ],
    [
      new DetourError('unauthorized', 'auth', 'Invalid API key', { status: 401 }),
      401,
      'authentication_error',
      null,
      'invalid_api_key',
    ],
    [
      new DetourError('unauthorized', 'auth', 'Key may not use this model', { status: 403 }),
      403,
      'permission_error',
      null,
      'unauthorized',
    ],
    [
      new DetourError('model_not_found', 'not_found', "The model 'x' does not exist"),
      404,
      'invalid_request_error',
      null,
      'model_not_found',
    ],
    [
      new DetourError('upstream_model_not_found', 'not_found', 'no host knows it'),
      404,
      'invalid_request_error',
      null,
      'model_not_found',
    ],
    [
      new DetourError('payload_too_large', 'client_error', 'too large', { status: 413 }),
      413,
      'invalid_request_error',
      null,
      'payload_too_large',
    ],
    [
      new DetourError('upstream_rate_limited', 'rate_limited', 'slow down'),
      429,
      'rate_limit_error',
      null,
      'rate_limit_exceeded',
    ],
    [
      new DetourError('upstream_quota_exceeded', 'quota', 'no credit'),
      429,
      'insufficient_quota',
      null,
      'insufficient_quota',
    ],
    [
      new DetourError('upstream_server_error', 'server_error', 'bad gateway'),
      502,
      'server_error',
      null,
      'upstream_server_error',
    ],
    [
      new DetourError('upstream_overloaded', 'overloaded', 'overloaded'),
      503,
      'server_error',
      null,
      'upstream_overloaded',
    ],
    [
      new DetourError('upstream_timeout', 'timeout', 'timed out'),
      504,
      'server_error',
      null,
      'upstream_timeout',
    ],
  ])('renders %s as status %i, type %s', (error, status, type, param, code) => {
    const encoded = encodeOpenaiError(error);
    expect(encoded.status).toBe(status);
    expect(encoded.body).toEqual({ error: { message: error.message, type, param, code } });
    expect(encoded.headers).toEqual({});
  });

  it('sets retry-after in whole seconds, rounded up', () => {
    const error = new DetourError('upstream_rate_limited', 'rate_limited', 'slow down', {
      retryAfterMs: 1200,
    });
    expect(encodeOpenaiError(error).headers).toEqual({ 'retry-after': '2' });
  });

  it('carries only the message, never upstream details', () => {
    const error = new DetourError('upstream_auth_failed', 'auth', 'upstream credentials rejected', {
      upstream: {
        provider: 'openai',
        deployment: 'openai/gpt-5',
        status: 401,
        vendorCode: 'invalid_api_key',
        requestId: 'req_1',
      },
      cause: new Error('Incorrect API key provided: sk-secret'),
    });
    const text = JSON.stringify(encodeOpenaiError(error).body);
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('openai/gpt-5');
    expect(JSON.parse(text)).toEqual({
      error: {
        message: 'upstream credentials rejected',
        type: 'server_error',
        param: null,
        code: 'upstream_auth_failed',
      },
    });
  });
  it("uses the upstream's own code only for errors the client must fix", () => {
    const upstream = { provider: 'p', deployment: 'p/m', vendorCode: 'invalid_prompt' };
    const code = (error: DetourError) => encodeOpenaiError(error).body;
    expect(
      code(new DetourError('upstream_invalid_request', 'client_error', 'bad', { upstream })),
    ).toStrictEqual({
      error: { message: 'bad', type: 'invalid_request_error', param: null, code: 'invalid_prompt' },
    });
    expect(
      code(new DetourError('upstream_content_policy', 'content_policy', 'flagged', { upstream })),
    ).toStrictEqual({
      error: { message: 'flagged', type: 'invalid_request_error', param: null, code: 'invalid_prompt' },
    });
    expect(
      code(new DetourError('upstream_server_error', 'server_error', 'down', { upstream })),
    ).toStrictEqual({
      error: { message: 'down', type: 'server_error', param: null, code: 'upstream_server_error' },
    });
  });

  it("names a too-long prompt by OpenAI's code whichever host or check said so", () => {
    const upstream = { provider: 'p', deployment: 'p/m', vendorCode: 'ValidationException' };
    for (const error of [
      new DetourError('upstream_context_length_exceeded', 'client_error', 'too long', { upstream }),
      new DetourError('context_length_exceeded', 'client_error', 'too long', { upstream }),
    ]) {
      expect(encodeOpenaiError(error).body).toStrictEqual({
        error: {
          message: 'too long',
          type: 'invalid_request_error',
          param: null,
          code: 'context_length_exceeded',
        },
      });
    }
  });

  it('keeps the code of a 401 that is not an unaccepted key', () => {
    const error = new DetourError('upstream_auth_failed', 'auth', 'upstream refused', { status: 401 });
    expect(encodeOpenaiError(error).body).toStrictEqual({
      error: {
        message: 'upstream refused',
        type: 'authentication_error',
        param: null,
        code: 'upstream_auth_failed',
      },
    });
  });

  it('calls status 500 itself a server_error', () => {
    const error = new DetourError('internal_error', 'server_error', 'oops', { status: 500 });
    expect(encodeOpenaiError(error)).toStrictEqual({
      status: 500,
      body: { error: { message: 'oops', type: 'server_error', param: null, code: 'internal_error' } },
      headers: {},
    });
  });
});

describe('encodeOpenaiStreamError', () => {
  it('writes the same error object as a data event', () => {
    const error = invalidRequest('bad', 'messages[0].role');
    expect(encodeOpenaiStreamError(error)).toBe(
      `data: ${JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: 'messages[0].role', code: 'invalid_request' } })}\n\n`,
    );
  });
});
