import { describe, expect, it } from 'vitest';
import { DetourError, type FailureClass, invalidRequest } from '../../core/index.js';
import { encodeAnthropicError, encodeAnthropicStreamError, toAnthropicErrorBody } from './encode-error.js';

function errorWith(failureClass: FailureClass, status: number, message = 'went wrong'): DetourError {
  return new DetourError('upstream_server_error', failureClass, message, { status });
}

describe('encodeAnthropicError', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [504, 'timeout_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'api_error'],
    [529, 'api_error'],
    [408, 'invalid_request_error'],
    [409, 'invalid_request_error'],
    [422, 'invalid_request_error'],
    [499, 'invalid_request_error'],
  ])('renders status %i as %s', (status, type) => {
    expect(encodeAnthropicError(errorWith('server_error', status))).toStrictEqual({
      status,
      body: { type: 'error', error: { type, message: 'went wrong' } },
      headers: {},
    });
  });

  it('renders the overloaded class as overloaded_error whatever its status', () => {
    expect(
      encodeAnthropicError(new DetourError('upstream_overloaded', 'overloaded', 'Overloaded')),
    ).toStrictEqual({
      status: 503,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      headers: {},
    });
    expect(encodeAnthropicError(errorWith('overloaded', 429)).body).toStrictEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'went wrong' },
    });
  });

  it('carries the message but not the param, which Anthropic bodies have no field for', () => {
    expect(
      encodeAnthropicError(invalidRequest("Missing required parameter: 'model'", 'model')),
    ).toStrictEqual({
      status: 400,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: "Missing required parameter: 'model'" },
      },
      headers: {},
    });
  });

  it.each([
    [1, '1'],
    [999, '1'],
    [1000, '1'],
    [1001, '2'],
    [1200, '2'],
    [30_000, '30'],
    [0, '0'],
  ])('sets retry-after for %i ms to %s whole seconds, rounded up', (retryAfterMs, header) => {
    const error = new DetourError('upstream_rate_limited', 'rate_limited', 'slow down', { retryAfterMs });
    expect(encodeAnthropicError(error)).toStrictEqual({
      status: 429,
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      headers: { 'retry-after': header },
    });
  });

  it('sets no retry-after header when the wait is unknown', () => {
    const error = new DetourError('upstream_rate_limited', 'rate_limited', 'slow down');
    expect(encodeAnthropicError(error).headers).toStrictEqual({});
  });
});

describe('toAnthropicErrorBody', () => {
  it('builds the error envelope', () => {
    expect(toAnthropicErrorBody(errorWith('timeout', 504, 'timed out'))).toStrictEqual({
      type: 'error',
      error: { type: 'timeout_error', message: 'timed out' },
    });
  });
});

describe('encodeAnthropicStreamError', () => {
  it('writes an `event: error` SSE event with the error body as data', () => {
    expect(
      encodeAnthropicStreamError(new DetourError('upstream_overloaded', 'overloaded', 'Overloaded')),
    ).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    expect(encodeAnthropicStreamError(invalidRequest('bad "role"', 'messages[0].role'))).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"invalid_request_error","message":"bad \\"role\\""}}\n\n',
    );
  });
});
