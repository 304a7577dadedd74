import { describe, expect, it } from 'vitest';
import { readRetryAfterMs, readShouldRetry, readUpstreamRequestId } from './read-retry-after.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('readRetryAfterMs', () => {
  it('prefers retry-after-ms, then retry-after in seconds', () => {
    expect(readRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, NOW)).toBe(250);
    expect(readRetryAfterMs({ 'retry-after-ms': '0' }, NOW)).toBe(0);
    expect(readRetryAfterMs({ 'retry-after': '1.5' }, NOW)).toBe(1500);
  });

  it('ignores a retry-after-ms that is not a non-negative number', () => {
    expect(readRetryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '2' }, NOW)).toBe(2000);
    expect(readRetryAfterMs({ 'retry-after-ms': '-5', 'retry-after': '2' }, NOW)).toBe(2000);
  });

  it('reads retry-after as an HTTP date, never negative', () => {
    expect(readRetryAfterMs({ 'retry-after': 'Mon, 30 Nov 2026 12:00:04 GMT' }, NOW)).toBe(4000);
    expect(readRetryAfterMs({ 'retry-after': 'Mon, 30 Nov 2026 11:00:00 GMT' }, NOW)).toBe(0);
    expect(readRetryAfterMs({ 'retry-after': '-3' }, NOW)).toBe(0);
  });

  it("takes the earliest of Anthropic's reset timestamps", () => {
    const headers = {
      'anthropic-ratelimit-requests-reset': '2026-11-30T12:00:30Z',
      'anthropic-ratelimit-tokens-reset': '2026-11-30T12:00:10Z',
      'anthropic-ratelimit-input-tokens-reset': '2026-11-30T12:00:20Z',
      'anthropic-ratelimit-output-tokens-reset': 'garbage',
    };
    expect(readRetryAfterMs(headers, NOW)).toBe(10_000);
    expect(readRetryAfterMs({ 'anthropic-ratelimit-output-tokens-reset': '2026-11-30T12:00:05Z' }, NOW)).toBe(
      5000,
    );
  });

  it.each([
    'anthropic-ratelimit-requests-reset',
    'anthropic-ratelimit-tokens-reset',
    'anthropic-ratelimit-input-tokens-reset',
    'anthropic-ratelimit-output-tokens-reset',
  ])('reads %s on its own', (name) => {
    expect(readRetryAfterMs({ [name]: '2026-11-30T12:00:07Z' }, NOW)).toBe(7000);
  });

  it('ignores a retry-after-ms that is infinite', () => {
    expect(readRetryAfterMs({ 'retry-after-ms': 'Infinity', 'retry-after': '2' }, NOW)).toBe(2000);
  });

  it('reads a reset timestamp already past as no wait', () => {
    const headers = {
      'anthropic-ratelimit-requests-reset': '2026-11-30T11:59:00Z',
      'anthropic-ratelimit-tokens-reset': '2026-11-30T12:00:10Z',
    };
    expect(readRetryAfterMs(headers, NOW)).toBe(0);
  });

  it('says nothing when nothing was said, or only blanks', () => {
    expect(readRetryAfterMs({}, NOW)).toBeUndefined();
    expect(readRetryAfterMs({ 'retry-after': '  ' }, NOW)).toBeUndefined();
    expect(readRetryAfterMs({ 'retry-after': 'whenever' }, NOW)).toBeUndefined();
  });

  it('reads the first of repeated headers', () => {
    expect(readRetryAfterMs({ 'retry-after': ['3', '9'] } as never, NOW)).toBe(3000);
  });
});

describe('readShouldRetry', () => {
  it('is a verdict only when the vendor gave one', () => {
    expect(readShouldRetry({ 'x-should-retry': 'true' })).toBe(true);
    expect(readShouldRetry({ 'x-should-retry': 'false' })).toBe(false);
    expect(readShouldRetry({ 'x-should-retry': 'maybe' })).toBeUndefined();
    expect(readShouldRetry({})).toBeUndefined();
  });
});

describe('readUpstreamRequestId', () => {
  it("reads OpenAI's x-request-id, else Anthropic's request-id", () => {
    expect(readUpstreamRequestId({ 'x-request-id': 'a', 'request-id': 'b' })).toBe('a');
    expect(readUpstreamRequestId({ 'request-id': 'b' })).toBe('b');
    expect(readUpstreamRequestId({})).toBeUndefined();
  });

  it("reads AWS's x-amzn-RequestId last, and the first of repeated headers", () => {
    expect(readUpstreamRequestId({ 'x-amzn-requestid': 'c' })).toBe('c');
    expect(readUpstreamRequestId({ 'request-id': 'b', 'x-amzn-requestid': 'c' })).toBe('b');
    expect(readUpstreamRequestId({ 'x-request-id': ['a1', 'a2'] } as never)).toBe('a1');
  });
});
