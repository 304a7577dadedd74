import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { classifyAnthropicStreamError, decodeAnthropicError } from './decode-error.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

describe('decodeAnthropicError', () => {
  it('reads the inner type and message of an Anthropic error body', () => {
    expect(decodeAnthropicError(fixture('error-overloaded.json'))).toStrictEqual({
      type: 'overloaded_error',
      message: 'Overloaded',
    });
    expect(decodeAnthropicError(fixture('error-invalid-request.json'))).toStrictEqual({
      type: 'invalid_request_error',
      message:
        'max_tokens: 200000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929',
    });
  });

  it('reads a flat body that has no inner error object', () => {
    expect(decodeAnthropicError({ type: 'rate_limit_error', message: 'slow down' })).toStrictEqual({
      type: 'rate_limit_error',
      message: 'slow down',
    });
  });

  it("does not take the envelope's type 'error' for the error's type", () => {
    expect(decodeAnthropicError({ type: 'error', message: 'something broke' })).toStrictEqual({
      message: 'something broke',
    });
    expect(decodeAnthropicError({ type: 'error', error: { type: 'error', message: 'x' } })).toStrictEqual({
      message: 'x',
    });
  });

  it('keeps a non-empty text body as the message', () => {
    expect(decodeAnthropicError('upstream connect error or disconnect/reset before headers')).toStrictEqual({
      message: 'upstream connect error or disconnect/reset before headers',
    });
  });

  it('reads nothing from an empty text body, null, a number or an array', () => {
    expect(decodeAnthropicError('')).toStrictEqual({});
    expect(decodeAnthropicError(null)).toStrictEqual({});
    expect(decodeAnthropicError(502)).toStrictEqual({});
    expect(
      decodeAnthropicError([{ type: 'error', error: { type: 'api_error', message: 'x' } }]),
    ).toStrictEqual({});
  });

  it('ignores type and message fields that are not strings', () => {
    expect(decodeAnthropicError({ type: 'error', error: { type: 529, message: null } })).toStrictEqual({});
  });
});

describe('classifyAnthropicStreamError', () => {
  function streamError(type: string, message = 'details') {
    return { type: 'error', error: { type, message } };
  }

  it.each([
    ['overloaded_error', 'upstream_overloaded', 'overloaded', 503],
    ['rate_limit_error', 'upstream_rate_limited', 'rate_limited', 429],
    ['api_error', 'upstream_server_error', 'server_error', 502],
    ['timeout_error', 'upstream_timeout', 'timeout', 504],
    ['billing_error', 'upstream_quota_exceeded', 'quota', 429],
    ['authentication_error', 'upstream_auth_failed', 'auth', 502],
    ['permission_error', 'upstream_auth_failed', 'auth', 502],
    ['not_found_error', 'upstream_model_not_found', 'not_found', 404],
    ['invalid_request_error', 'upstream_invalid_request', 'client_error', 400],
    ['request_too_large', 'upstream_invalid_request', 'client_error', 400],
  ])('classifies %s as %s (%s)', (type, code, failureClass, status) => {
    const error = classifyAnthropicStreamError(streamError(type));
    expect(error).toBeInstanceOf(DetourError);
    expect(error.toJSON()).toStrictEqual({ code, failureClass, status, message: `${type}: details` });
  });

  it('classifies an unknown error type as a server error and names the type in the message', () => {
    expect(classifyAnthropicStreamError(streamError('conflict_error', 'try again')).toJSON()).toStrictEqual({
      code: 'upstream_server_error',
      failureClass: 'server_error',
      status: 502,
      message: 'conflict_error: try again',
    });
  });

  it('classifies an error without type or message as a server error with a default message', () => {
    expect(classifyAnthropicStreamError({ type: 'error' }).toJSON()).toStrictEqual({
      code: 'upstream_server_error',
      failureClass: 'server_error',
      status: 502,
      message: 'error: upstream reported an error inside the stream',
    });
    expect(classifyAnthropicStreamError('').toJSON()).toStrictEqual({
      code: 'upstream_server_error',
      failureClass: 'server_error',
      status: 502,
      message: 'error: upstream reported an error inside the stream',
    });
  });

  it('keeps the message of an error whose type is missing', () => {
    expect(
      classifyAnthropicStreamError({ type: 'error', error: { message: 'Overloaded' } }).toJSON(),
    ).toStrictEqual({
      code: 'upstream_server_error',
      failureClass: 'server_error',
      status: 502,
      message: 'error: Overloaded',
    });
  });
});
