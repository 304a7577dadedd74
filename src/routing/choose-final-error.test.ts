import { describe, expect, it } from 'vitest';
import { DetourError, type DetourErrorCode, type FailureClass } from '../core/index.js';
import { chooseFinalError } from './choose-final-error.js';

function failure(code: DetourErrorCode, failureClass: FailureClass, retryAfterMs?: number): DetourError {
  return new DetourError(code, failureClass, `${code} from a host`, { retryAfterMs });
}

describe('chooseFinalError', () => {
  it('says no deployment is available when nothing was attempted', () => {
    const final = chooseFinalError([]);
    expect(final.code).toBe('no_deployment_available');
    expect(final.status).toBe(503);
    expect(final.message).toMatch(/no deployment/);
  });

  it('answers 429 with the earliest advertised reset when every failure was a quota', () => {
    const final = chooseFinalError([
      failure('upstream_quota_exceeded', 'quota', 2000),
      failure('upstream_quota_exceeded', 'quota', 5000),
    ]);
    expect(final.status).toBe(429);
    expect(final.retryAfterMs).toBe(2000);
  });

  it('ignores failures that advertised no reset, and advertises none when none did', () => {
    const some = chooseFinalError([
      failure('upstream_rate_limited', 'rate_limited'),
      failure('upstream_rate_limited', 'rate_limited', 2000),
    ]);
    expect(some.retryAfterMs).toBe(2000);
    const none = chooseFinalError([failure('upstream_rate_limited', 'rate_limited')]);
    expect(none.retryAfterMs).toBeUndefined();
  });

  it('names the rate limit, not a quota, when both were met', () => {
    const final = chooseFinalError([
      failure('upstream_quota_exceeded', 'quota'),
      failure('upstream_rate_limited', 'rate_limited'),
      failure('upstream_quota_exceeded', 'quota'),
    ]);
    expect(final.code).toBe('upstream_rate_limited');
    expect(final.status).toBe(429);
  });

  it('answers a host failure, not 429, when only some hosts were rate-limited', () => {
    const broken = failure('upstream_server_error', 'server_error');
    expect(chooseFinalError([broken, failure('upstream_rate_limited', 'rate_limited', 1000)])).toBe(broken);
  });

  it('answers 404 only when every host said the model is unknown', () => {
    const unknown = failure('upstream_model_not_found', 'not_found');
    expect(chooseFinalError([failure('upstream_model_not_found', 'not_found'), unknown])).toBe(unknown);
    const broken = failure('upstream_server_error', 'server_error');
    expect(chooseFinalError([broken, failure('upstream_model_not_found', 'not_found')])).toBe(broken);
  });

  it('prefers the last real host failure over a later config or wait failure', () => {
    const timeout = failure('upstream_timeout', 'timeout');
    const errors = [
      failure('upstream_server_error', 'server_error'),
      timeout,
      failure('upstream_auth_failed', 'auth'),
    ];
    const copy = [...errors];
    expect(chooseFinalError(errors)).toBe(timeout);
    // The caller's list (the attempts, in order) is left as it was.
    expect(errors).toEqual(copy);
  });
});
