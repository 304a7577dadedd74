import { describe, expect, it } from 'vitest';
import { formatResetDuration, rateLimitHeaders } from './rate-limit-headers.js';
import { MemoryRateLimiter } from './rate-limiter.js';

describe('formatResetDuration', () => {
  it('writes under a second in whole milliseconds, rounded up', () => {
    expect(formatResetDuration(0)).toBe('0ms');
    expect(formatResetDuration(0.2)).toBe('1ms');
    expect(formatResetDuration(250)).toBe('250ms');
    expect(formatResetDuration(999)).toBe('999ms');
    expect(formatResetDuration(998.5)).toBe('999ms');
  });

  it('writes nothing negative', () => {
    expect(formatResetDuration(-5)).toBe('0ms');
  });

  it('writes seconds with up to three decimals and no trailing zeros', () => {
    expect(formatResetDuration(1_000)).toBe('1s');
    expect(formatResetDuration(999.5)).toBe('1s');
    expect(formatResetDuration(1_500)).toBe('1.5s');
    expect(formatResetDuration(1_234.2)).toBe('1.235s');
    expect(formatResetDuration(59_999)).toBe('59.999s');
  });

  it('writes minutes and hours as Go does, with every smaller unit', () => {
    expect(formatResetDuration(60_000)).toBe('1m0s');
    expect(formatResetDuration(61_500)).toBe('1m1.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(3_599_999)).toBe('59m59.999s');
    expect(formatResetDuration(3_600_000)).toBe('1h0m0s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
    expect(formatResetDuration(90_000_000)).toBe('25h0m0s');
  });
});

describe('rateLimitHeaders', () => {
  it('writes OpenAI’s headers for requests and tokens', () => {
    expect(
      rateLimitHeaders({
        allowed: true,
        requests: { limit: 60, remaining: 59, resetMs: 1_000 },
        tokens: { limit: 10_000, remaining: 9_000, resetMs: 6_000 },
      }),
    ).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '10000',
      'x-ratelimit-remaining-tokens': '9000',
      'x-ratelimit-reset-tokens': '6s',
    });
  });

  it('writes only the limits the key has', () => {
    expect(
      rateLimitHeaders({ allowed: false, requests: { limit: 2, remaining: 0, resetMs: 60_000 } }),
    ).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1m0s',
    });
    expect(rateLimitHeaders({ allowed: true, tokens: { limit: 5, remaining: 5, resetMs: 0 } })).toEqual({
      'x-ratelimit-limit-tokens': '5',
      'x-ratelimit-remaining-tokens': '5',
      'x-ratelimit-reset-tokens': '0ms',
    });
  });

  it('writes no headers for a key without limits', () => {
    expect(rateLimitHeaders({ allowed: true })).toEqual({});
  });

  it('counts down over a burst twice the rpm, and the refused half say so', () => {
    const limiter = new MemoryRateLimiter();
    const headers = Array.from({ length: 6 }, () =>
      rateLimitHeaders(limiter.admit('key', { rpm: 3 }, 0, 1_700_000_000_000)),
    );
    expect(headers.map((each) => each['x-ratelimit-remaining-requests'])).toEqual([
      '2',
      '1',
      '0',
      '0',
      '0',
      '0',
    ]);
    expect(headers.map((each) => each['x-ratelimit-reset-requests'])).toEqual([
      '20s',
      '40s',
      '1m0s',
      '1m0s',
      '1m0s',
      '1m0s',
    ]);
    expect(headers.every((each) => each['x-ratelimit-limit-requests'] === '3')).toBe(true);
  });
});
