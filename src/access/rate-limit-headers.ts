import type { LimitState, RateDecision } from './rate-limiter.js';

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

function headersOf(kind: 'requests' | 'tokens', state: LimitState): Record<string, string> {
  return {
    [`x-ratelimit-limit-${kind}`]: String(state.limit),
    [`x-ratelimit-remaining-${kind}`]: String(state.remaining),
    [`x-ratelimit-reset-${kind}`]: formatResetDuration(state.resetMs),
  };
}

/** OpenAI's `x-ratelimit-*` headers for the limits a key has; none for a key without limits. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    ...(decision.requests === undefined ? {} : headersOf('requests', decision.requests)),
    ...(decision.tokens === undefined ? {} : headersOf('tokens', decision.tokens)),
  };
}
