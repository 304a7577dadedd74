import type { IncomingHttpHeaders } from 'node:http';

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long an upstream asked us to wait, in milliseconds, or undefined when it did not say.
 * Reads, in order: `retry-after-ms` (OpenAI, Azure), `retry-after` as seconds or an HTTP date
 * (RFC 9110), and the earliest of Anthropic's `anthropic-ratelimit-*-reset` RFC 3339 timestamps.
 */
export function readRetryAfterMs(headers: IncomingHttpHeaders, now: number): number | undefined {
  const milliseconds = Number(first(headers['retry-after-ms']));
  if (Number.isFinite(milliseconds) && milliseconds >= 0 && first(headers['retry-after-ms']) !== undefined) {
    return milliseconds;
  }
  const retryAfter = first(headers['retry-after']);
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  let earliest: number | undefined;
  for (const name of [
    'anthropic-ratelimit-requests-reset',
    'anthropic-ratelimit-tokens-reset',
    'anthropic-ratelimit-input-tokens-reset',
    'anthropic-ratelimit-output-tokens-reset',
  ]) {
    const reset = Date.parse(first(headers[name]) ?? '');
    if (Number.isFinite(reset)) {
      const wait = Math.max(0, reset - now);
      earliest = earliest === undefined ? wait : Math.min(earliest, wait);
    }
  }
  return earliest;
}

/** The vendor's `x-should-retry` verdict: true / false when it said so, undefined otherwise. */
export function readShouldRetry(headers: IncomingHttpHeaders): boolean | undefined {
  const value = first(headers['x-should-retry']);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** The upstream's request id, for support tickets (`x-request-id` at OpenAI, `request-id` at Anthropic). */
export function readUpstreamRequestId(headers: IncomingHttpHeaders): string | undefined {
  // AWS names it `x-amzn-RequestId` (Node lower-cases header names).
  return first(headers['x-request-id']) ?? first(headers['request-id']) ?? first(headers['x-amzn-requestid']);
}
