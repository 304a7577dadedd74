import { describe, expect, it } from 'vitest';
import { classifyStreamError } from './classify-stream-error.js';

describe('classifyStreamError', () => {
  it('names the failure itself when the error chunk has no message', () => {
    expect(classifyStreamError({ error: { type: 'server_error' } }).toJSON()).toStrictEqual({
      code: 'upstream_server_error',
      message: 'upstream reported an error inside the stream',
      status: 502,
      failureClass: 'server_error',
    });
  });

  it('calls an error rate limited when either its type or its code says so', () => {
    const error = classifyStreamError({ error: { type: 'rate_limit_error', code: 429, message: 'slow' } });
    expect(error.toJSON()).toStrictEqual({
      code: 'upstream_rate_limited',
      message: 'slow',
      status: 429,
      failureClass: 'rate_limited',
    });
    expect(classifyStreamError({ error: { type: 'x', code: 'rate_limit_exceeded' } }).failureClass).toBe(
      'rate_limited',
    );
  });
});
