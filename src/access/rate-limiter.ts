/** Per-key request and token limits (DESIGN.md section 8), in memory: one process's view. */

export const MINUTE_MS = 60_000;

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

/**
 * Takes requests and tokens against a key's limits. The memory implementation answers at once; the
 * shared (Redis) one answers with a promise, so callers await only when given one.
 */
export interface RateLimiter {
  /** Admits a request estimated at `tokens`, taking one request and the tokens, or refuses and takes nothing. */
  admit(keyId: string, limits: RateLimits, tokens: number, now: number): RateDecision | Promise<RateDecision>;
  /**
   * After the answer: takes the difference between the tokens used and the estimate (a refund when
   * negative). Never throws; a shared implementation applies it in the background.
   */
  correctTokens(keyId: string, limits: RateLimits, delta: number, now: number): void;
}

interface KeyState {
  /**
   * GCRA's theoretical arrival time of the next request, as how far it was ahead of `requestDebtAt`
   * in units of ms × rpm, where one request is exactly a minute (60 000). Whole numbers, unlike a
   * time advanced by 60 000 / rpm ms per request: that sum drifts (60 000 / 7 added seven times is
   * less than a minute) and refused the last request of a full burst for most rpm.
   */
  requestDebt: number;
  requestDebtAt: number;
  /**
   * What the bucket held at `tokensAt` (negative after an answer used more than estimated), in
   * units of token × ms per minute, where the bucket refills by exactly tpm a millisecond: whole
   * numbers again, so a wait computed from it is the wait after which the request fits.
   */
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
    let debt = 0;
    if (limits.rpm !== undefined) {
      debt = requestDebt(state, limits.rpm, now);
      const tolerance = MINUTE_MS * (limits.rpm - 1);
      if (debt > tolerance) {
        decision.allowed = false;
        decision.refusedBy = 'requests';
        decision.retryAfterMs = Math.ceil((debt - tolerance) / limits.rpm);
      }
    }
    if (limits.tpm !== undefined) {
      const level = this.refill(state, limits.tpm, now);
      const needed = tokens * MINUTE_MS;
      if (decision.allowed && needed > level) {
        decision.allowed = false;
        decision.refusedBy = 'tokens';
        // A request larger than a whole minute's tokens never fits.
        if (tokens <= limits.tpm) decision.retryAfterMs = Math.ceil((needed - level) / limits.tpm);
      }
      if (decision.allowed) state.tokenLevel = level - needed;
      decision.tokens = tokenState(limits.tpm, state.tokenLevel);
    }
    if (limits.rpm !== undefined) {
      if (!decision.allowed) {
        decision.requests = requestState(limits.rpm, debt);
      } else {
        state.requestDebt = debt + MINUTE_MS;
        state.requestDebtAt = now;
        decision.requests = requestState(limits.rpm, debt + MINUTE_MS);
      }
    }
    return decision;
  }

  correctTokens(keyId: string, limits: RateLimits, delta: number, now: number): void {
    if (limits.tpm === undefined || delta === 0) return;
    const state = this.stateOf(keyId, limits, now);
    state.tokenLevel = Math.min(
      limits.tpm * MINUTE_MS,
      this.refill(state, limits.tpm, now) - delta * MINUTE_MS,
    );
  }

  private stateOf(keyId: string, limits: RateLimits, now: number): KeyState {
    let state = this.keys.get(keyId);
    if (state === undefined) {
      state = {
        requestDebt: 0,
        requestDebtAt: now,
        tokenLevel: (limits.tpm ?? 0) * MINUTE_MS,
        tokensAt: now,
      };
      this.keys.set(keyId, state);
    }
    return state;
  }

  /** Brings the bucket up to `now` (capped at a minute's tokens) and returns its level. */
  private refill(state: KeyState, tpm: number, now: number): number {
    const elapsed = Math.max(0, now - state.tokensAt);
    state.tokenLevel = Math.min(tpm * MINUTE_MS, state.tokenLevel + elapsed * tpm);
    state.tokensAt = Math.max(state.tokensAt, now);
    return state.tokenLevel;
  }
}

/** How far GCRA's theoretical arrival time is ahead of `now` (0 when behind it), in ms × rpm. */
function requestDebt(state: KeyState, rpm: number, now: number): number {
  return Math.max(0, state.requestDebt - (now - state.requestDebtAt) * rpm);
}

/** The `requests` limit state for a GCRA debt (ms × rpm ahead of now) after a decision. */
export function requestState(rpm: number, debt: number): LimitState {
  const remaining = Math.max(0, Math.floor((MINUTE_MS * (rpm - 1) - debt) / MINUTE_MS) + 1);
  return { limit: rpm, remaining: Math.min(rpm, remaining), resetMs: Math.ceil(debt / rpm) };
}

/** The `tokens` limit state for a bucket level (token × ms per minute) after a decision. */
export function tokenState(tpm: number, level: number): LimitState {
  return {
    limit: tpm,
    remaining: Math.max(0, Math.floor(level / MINUTE_MS)),
    resetMs: Math.ceil((tpm * MINUTE_MS - level) / tpm),
  };
}
