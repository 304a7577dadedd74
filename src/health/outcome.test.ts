import { describe, expect, it } from 'vitest';
import { configFaultOf, countsAsFailure, OUTCOME_RESULTS } from './outcome.js';

describe('countsAsFailure', () => {
  it('counts only host faults as failures', () => {
    const failures = OUTCOME_RESULTS.filter((result) => countsAsFailure(result));
    expect(failures).toEqual(['overloaded', 'server_error', 'timeout', 'transport', 'bad_response']);
  });

  it('does not count rate limits, quota, auth, not_found, client errors or policy refusals', () => {
    for (const result of [
      'success',
      'client_error',
      'content_policy',
      'rate_limited',
      'quota',
      'auth',
      'not_found',
    ] as const) {
      expect(countsAsFailure(result)).toBe(false);
    }
  });
});

describe('configFaultOf', () => {
  it('names the config faults and nothing else', () => {
    expect(configFaultOf('auth')).toBe('auth');
    expect(configFaultOf('quota')).toBe('quota');
    expect(configFaultOf('not_found')).toBe('not_found');
    expect(configFaultOf('rate_limited')).toBeUndefined();
    expect(configFaultOf('server_error')).toBeUndefined();
  });
});
