import type { RateDecision } from './rate-limiter.js';

/**
 * A duration as OpenAI writes its reset headers (Go's `time.Duration` text): `250ms`, `1.5s`,
 * `6m0s`, `1h2m3s`.
 */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1_000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = (whole % 60_000) / 1_000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/** OpenAI's `x-ratelimit-*` headers for the limits a key has; none for a key without limits. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  // Written out rather than built from templates and spreads: this runs on every request of a key with limits.
  const headers: Record<string, string> = {};
  const requests = decision.requests;
  if (requests !== undefined) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(requests.remaining);
    headers['x-ratelimit-reset-requests'] = formatResetDuration(requests.resetMs);
  }
  const tokens = decision.tokens;
  if (tokens !== undefined) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
    headers['x-ratelimit-reset-tokens'] = formatResetDuration(tokens.resetMs);
  }
  return headers;
}
