/** Per-key request and token limits (DESIGN.md section 8), in memory: one process's view. */

const MINUTE_MS = 60_000;

/** A key's per-minute limits; an absent one is unlimited. */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

/** Where one limit stands after a decision: what OpenAI's `x-ratelimit-*` headers report. */
export interface LimitState {
  limit: number;
  /** How many more could be taken now. */
  remaining: number;
  /** Milliseconds until the limit is whole again. */
  resetMs: number;
}

/** The answer for one request. */
export interface RateDecision {
  allowed: boolean;
  /** Refused: milliseconds until the request would be admitted (undefined when it never would). */
  retryAfterMs?: number;
  /** Refused: which limit said no. */
  refusedBy?: 'requests' | 'tokens';
  requests?: LimitState;
  tokens?: LimitState;
}

/** Takes requests and tokens against a key's limits; a shared (Redis) implementation has the same face. */
export interface RateLimiter {
  /** Admits a request estimated at `tokens`, taking one request and the tokens, or refuses and takes nothing. */
  admit(keyId: string, limits: RateLimits, tokens: number, now: number): RateDecision;
  /** After the answer: takes the difference between the tokens used and the estimate (a refund when negative). */
  correctTokens(keyId: string, limits: RateLimits, delta: number, now: number): void;
}

interface KeyState {
  /** GCRA's theoretical arrival time of the next request. */
  requestTat: number;
  /** Tokens in the bucket at `tokensAt` (negative after an answer used more than estimated). */
  tokenLevel: number;
  tokensAt: number;
}

/**
 * Requests by GCRA (the generic cell rate algorithm: one timestamp per key, no timers), allowing a
 * burst of the whole minute's requests and then one every 60 s / rpm; tokens by a bucket holding a
 * minute's tokens and refilling continuously. A request is admitted only when both agree, so a
 * refusal takes nothing from either.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();

  admit(keyId: string, limits: RateLimits, tokens: number, now: number): RateDecision {
    const state = this.stateOf(keyId, limits, now);
    const decision: RateDecision = { allowed: true };
    let requestTat: number | undefined;
    if (limits.rpm !== undefined) {
      const interval = MINUTE_MS / limits.rpm;
      const tolerance = MINUTE_MS - interval;
      const start = Math.max(state.requestTat, now);
      if (start - now > tolerance) {
        decision.allowed = false;
        decision.refusedBy = 'requests';
        decision.retryAfterMs = Math.ceil(start - now - tolerance);
        decision.requests = requestState(limits.rpm, state.requestTat, now);
      } else {
        requestTat = start + interval;
      }
    }
    if (limits.tpm !== undefined) {
      const level = this.refill(state, limits.tpm, now);
      if (decision.allowed && tokens > level) {
        decision.allowed = false;
        decision.refusedBy = 'tokens';
        // A request larger than a whole minute's tokens never fits.
        if (tokens <= limits.tpm)
          decision.retryAfterMs = Math.ceil(((tokens - level) * MINUTE_MS) / limits.tpm);
      }
      if (decision.allowed) state.tokenLevel = level - tokens;
      decision.tokens = tokenState(limits.tpm, state.tokenLevel);
    }
    if (decision.allowed && limits.rpm !== undefined && requestTat !== undefined) {
      state.requestTat = requestTat;
      decision.requests = requestState(limits.rpm, requestTat, now);
    } else if (limits.rpm !== undefined && decision.requests === undefined) {
      decision.requests = requestState(limits.rpm, state.requestTat, now);
    }
    return decision;
  }

  correctTokens(keyId: string, limits: RateLimits, delta: number, now: number): void {
    if (limits.tpm === undefined || delta === 0) return;
    const state = this.stateOf(keyId, limits, now);
    state.tokenLevel = Math.min(limits.tpm, this.refill(state, limits.tpm, now) - delta);
  }

  private stateOf(keyId: string, limits: RateLimits, now: number): KeyState {
    let state = this.keys.get(keyId);
    if (state === undefined) {
      state = { requestTat: now, tokenLevel: limits.tpm ?? 0, tokensAt: now };
      this.keys.set(keyId, state);
    }
    return state;
  }

  /** Brings the bucket up to `now` (capped at a minute's tokens) and returns its level. */
  private refill(state: KeyState, tpm: number, now: number): number {
    const elapsed = Math.max(0, now - state.tokensAt);
    state.tokenLevel = Math.min(tpm, state.tokenLevel + (elapsed * tpm) / MINUTE_MS);
    state.tokensAt = Math.max(state.tokensAt, now);
    return state.tokenLevel;
  }
}

function requestState(rpm: number, tat: number, now: number): LimitState {
  const interval = MINUTE_MS / rpm;
  const debt = Math.max(0, tat - now);
  const remaining = Math.max(0, Math.floor((MINUTE_MS - interval - debt) / interval) + 1);
  return { limit: rpm, remaining: Math.min(rpm, remaining), resetMs: Math.ceil(debt) };
}

function tokenState(tpm: number, level: number): LimitState {
  return {
    limit: tpm,
    remaining: Math.max(0, Math.floor(level)),
    resetMs: Math.ceil(((tpm - level) * MINUTE_MS) / tpm),
  };
}
