import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateDecision } from './rate-limiter.js';

const T0 = 1_700_000_000_000;

/** Sends `count` requests at one instant and returns the decisions. */
function burst(limiter: MemoryRateLimiter, rpm: number, count: number, now: number): RateDecision[] {
  return Array.from({ length: count }, () => limiter.admit('key', { rpm }, 0, now));
}

describe('MemoryRateLimiter requests per minute', () => {
  it('admits exactly rpm of a burst of twice rpm, counting remaining down to 0', () => {
    const limiter = new MemoryRateLimiter();
    const decisions = burst(limiter, 10, 20, T0);
    const admitted = decisions.filter((decision) => decision.allowed);
    expect(admitted).toHaveLength(10);
    expect(decisions.slice(0, 10).every((decision) => decision.allowed)).toBe(true);
    expect(admitted.map((decision) => decision.requests?.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(admitted.map((decision) => decision.requests?.resetMs)).toEqual([
      6_000, 12_000, 18_000, 24_000, 30_000, 36_000, 42_000, 48_000, 54_000, 60_000,
    ]);
    for (const decision of admitted) {
      expect(decision.requests?.limit).toBe(10);
      expect(decision.retryAfterMs).toBeUndefined();
      expect(decision.refusedBy).toBeUndefined();
      expect(decision.tokens).toBeUndefined();
    }
    for (const decision of decisions.slice(10)) {
      expect(decision).toEqual({
        allowed: false,
        refusedBy: 'requests',
        retryAfterMs: 6_000,
        requests: { limit: 10, remaining: 0, resetMs: 60_000 },
      });
    }
  });

  it('admits exactly rpm of a burst for any rpm, however 60 s divides by it', () => {
    for (const rpm of [1, 3, 7, 9, 11, 14, 47, 59, 61, 97, 333, 1_000]) {
      const limiter = new MemoryRateLimiter();
      const decisions = burst(limiter, rpm, 2 * rpm, T0);
      expect(
        decisions.filter((decision) => decision.allowed),
        `rpm ${rpm}`,
      ).toHaveLength(rpm);
      expect(decisions[rpm - 1]?.requests?.remaining, `rpm ${rpm}`).toBe(0);
      expect(decisions[0]?.requests?.remaining, `rpm ${rpm}`).toBe(rpm - 1);
    }
  });

  it('admits one more request every 60 s / rpm after a burst, and not before', () => {
    const limiter = new MemoryRateLimiter();
    burst(limiter, 10, 10, T0);
    const early = limiter.admit('key', { rpm: 10 }, 0, T0 + 5_999);
    expect(early.allowed).toBe(false);
    expect(early.retryAfterMs).toBe(1);
    expect(early.requests).toEqual({ limit: 10, remaining: 0, resetMs: 54_001 });

    const onTime = limiter.admit('key', { rpm: 10 }, 0, T0 + 6_000);
    expect(onTime.allowed).toBe(true);
    expect(onTime.requests).toEqual({ limit: 10, remaining: 0, resetMs: 60_000 });
    const second = limiter.admit('key', { rpm: 10 }, 0, T0 + 6_000);
    expect(second.allowed).toBe(false);
    expect(second.retryAfterMs).toBe(6_000);

    expect(limiter.admit('key', { rpm: 10 }, 0, T0 + 12_000).allowed).toBe(true);
    expect(limiter.admit('key', { rpm: 10 }, 0, T0 + 12_000).allowed).toBe(false);
  });

  it('rounds a fractional wait up to whole milliseconds', () => {
    // 60 s / 7 is 8571.43 ms: the eighth request of a burst waits 8572 ms, not 8571.
    const limiter = new MemoryRateLimiter();
    const decisions = burst(limiter, 7, 8, T0);
    expect(decisions[7]?.allowed).toBe(false);
    expect(decisions[7]?.retryAfterMs).toBe(8_572);
    expect(decisions[0]?.requests?.resetMs).toBe(8_572);
    expect(limiter.admit('key', { rpm: 7 }, 0, T0 + 8_571).allowed).toBe(false);
    expect(limiter.admit('key', { rpm: 7 }, 0, T0 + 8_572).allowed).toBe(true);
  });

  it('is whole again a minute after a full burst, and after idling longer', () => {
    const limiter = new MemoryRateLimiter();
    burst(limiter, 10, 10, T0);
    const after = burst(limiter, 10, 20, T0 + 60_000);
    expect(after.filter((decision) => decision.allowed)).toHaveLength(10);
    expect(after[0]?.requests?.remaining).toBe(9);

    // A long idle saves nothing up: still one minute's requests.
    const later = burst(limiter, 10, 20, T0 + 3_600_000);
    expect(later.filter((decision) => decision.allowed)).toHaveLength(10);
    expect(later[0]?.requests).toEqual({ limit: 10, remaining: 9, resetMs: 6_000 });
  });

  it('spreads requests at the rate without refusing any', () => {
    const limiter = new MemoryRateLimiter();
    for (let index = 0; index < 50; index += 1) {
      const decision = limiter.admit('key', { rpm: 10 }, 0, T0 + index * 6_000);
      expect(decision.allowed).toBe(true);
      expect(decision.requests?.remaining).toBe(9);
    }
  });

  it('recovers partly over part of a minute', () => {
    const limiter = new MemoryRateLimiter();
    burst(limiter, 10, 10, T0);
    const decisions = burst(limiter, 10, 10, T0 + 30_000);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    expect(decisions[0]?.requests?.remaining).toBe(4);
  });

  it('reports nothing left, not less, to a caller whose clock is behind', () => {
    const limiter = new MemoryRateLimiter();
    burst(limiter, 2, 2, T0 + 10_000);
    const behind = limiter.admit('key', { rpm: 2 }, 0, T0);
    expect(behind).toEqual({
      allowed: false,
      refusedBy: 'requests',
      retryAfterMs: 40_000,
      requests: { limit: 2, remaining: 0, resetMs: 70_000 },
    });
  });

  it('keeps each key apart', () => {
    const limiter = new MemoryRateLimiter();
    expect(limiter.admit('a', { rpm: 1 }, 0, T0).allowed).toBe(true);
    expect(limiter.admit('a', { rpm: 1 }, 0, T0).allowed).toBe(false);
    expect(limiter.admit('b', { rpm: 1 }, 0, T0).allowed).toBe(true);
  });

  it('counts requests made before an rpm change against the new rpm', () => {
    const limiter = new MemoryRateLimiter();
    burst(limiter, 2, 2, T0);
    const decisions = burst(limiter, 4, 4, T0);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, false]);
  });

  it('admits everything and reports nothing without limits', () => {
    const limiter = new MemoryRateLimiter();
    for (let index = 0; index < 100; index += 1) {
      expect(limiter.admit('key', {}, 1_000_000, T0)).toEqual({ allowed: true });
    }
  });
});

describe('MemoryRateLimiter tokens per minute', () => {
  it('takes the estimate from a bucket of a minute’s tokens', () => {
    const limiter = new MemoryRateLimiter();
    const first = limiter.admit('key', { tpm: 1_000 }, 400, T0);
    expect(first).toEqual({ allowed: true, tokens: { limit: 1_000, remaining: 600, resetMs: 24_000 } });
    const second = limiter.admit('key', { tpm: 1_000 }, 600, T0);
    expect(second).toEqual({ allowed: true, tokens: { limit: 1_000, remaining: 0, resetMs: 60_000 } });
  });

  it('refuses an estimate over what is left, with the wait until it fits', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 400, T0);
    const refused = limiter.admit('key', { tpm: 1_000 }, 700, T0);
    expect(refused).toEqual({
      allowed: false,
      refusedBy: 'tokens',
      retryAfterMs: 6_000,
      tokens: { limit: 1_000, remaining: 600, resetMs: 24_000 },
    });
    // Nothing was taken: 600 still fit at once.
    expect(limiter.admit('key', { tpm: 1_000 }, 600, T0).allowed).toBe(true);
  });

  it('refills continuously and admits exactly when the wait is over', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 1_000, T0);
    const refused = limiter.admit('key', { tpm: 1_000 }, 100, T0 + 5_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(1_000);
    expect(refused.tokens).toEqual({ limit: 1_000, remaining: 83, resetMs: 55_000 });
    const admitted = limiter.admit('key', { tpm: 1_000 }, 100, T0 + 6_000);
    expect(admitted.allowed).toBe(true);
    expect(admitted.tokens).toEqual({ limit: 1_000, remaining: 0, resetMs: 60_000 });
  });

  it('rounds a fractional wait up', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 7 }, 7, T0);
    // One token takes 60 s / 7 = 8571.43 ms.
    expect(limiter.admit('key', { tpm: 7 }, 1, T0).retryAfterMs).toBe(8_572);
  });

  it('never fills past a minute’s tokens', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 0, T0);
    const later = limiter.admit('key', { tpm: 1_000 }, 0, T0 + 3_600_000);
    expect(later.tokens).toEqual({ limit: 1_000, remaining: 1_000, resetMs: 0 });
    expect(limiter.admit('key', { tpm: 1_000 }, 1_000, T0 + 3_600_000).allowed).toBe(true);
    expect(limiter.admit('key', { tpm: 1_000 }, 1, T0 + 3_600_000).allowed).toBe(false);
  });

  it('refuses an estimate larger than a whole minute’s tokens with no time to wait', () => {
    const limiter = new MemoryRateLimiter();
    const refused = limiter.admit('key', { tpm: 1_000 }, 1_001, T0);
    expect(refused).toEqual({
      allowed: false,
      refusedBy: 'tokens',
      tokens: { limit: 1_000, remaining: 1_000, resetMs: 0 },
    });
    // A whole minute's tokens is not too large: it waits for a full bucket.
    limiter.admit('key', { tpm: 1_000 }, 1, T0);
    const full = limiter.admit('key', { tpm: 1_000 }, 1_000, T0);
    expect(full.allowed).toBe(false);
    expect(full.retryAfterMs).toBe(60);
  });

  it('does not count time running backwards as refill', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 60_000 }, 30_000, T0 + 10_000);
    // An earlier clock reading (another caller's) neither adds nor removes tokens…
    const earlier = limiter.admit('key', { tpm: 60_000 }, 0, T0);
    expect(earlier.tokens?.remaining).toBe(30_000);
    // …nor moves the bucket's clock back: 1 s after the latest reading adds 1 s of tokens.
    const later = limiter.admit('key', { tpm: 60_000 }, 0, T0 + 11_000);
    expect(later.tokens?.remaining).toBe(31_000);
  });

  it('charges the answer’s tokens beyond the estimate, letting the bucket go below zero', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 1_000, T0);
    limiter.correctTokens('key', { tpm: 1_000 }, 500, T0);
    const refused = limiter.admit('key', { tpm: 1_000 }, 1, T0);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(30_060);
    expect(refused.tokens).toEqual({ limit: 1_000, remaining: 0, resetMs: 90_000 });
    expect(limiter.admit('key', { tpm: 1_000 }, 1, T0 + 30_059).allowed).toBe(false);
    expect(limiter.admit('key', { tpm: 1_000 }, 1, T0 + 30_060).allowed).toBe(true);
  });

  it('refunds tokens the answer did not use, up to a minute’s tokens', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 800, T0);
    limiter.correctTokens('key', { tpm: 1_000 }, -300, T0);
    expect(limiter.admit('key', { tpm: 1_000 }, 0, T0).tokens?.remaining).toBe(500);
    limiter.correctTokens('key', { tpm: 1_000 }, -5_000, T0);
    expect(limiter.admit('key', { tpm: 1_000 }, 0, T0).tokens?.remaining).toBe(1_000);
    expect(limiter.admit('key', { tpm: 1_000 }, 1_000, T0).allowed).toBe(true);
    expect(limiter.admit('key', { tpm: 1_000 }, 1, T0).allowed).toBe(false);
  });

  it('refills up to the correction’s time before applying it', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 60_000 }, 60_000, T0);
    limiter.correctTokens('key', { tpm: 60_000 }, 1_000, T0 + 10_000);
    // 10 s refilled 10 000, the correction took 1 000.
    expect(limiter.admit('key', { tpm: 60_000 }, 0, T0 + 10_000).tokens?.remaining).toBe(9_000);
  });

  it('ignores a correction for a key without a token limit', () => {
    const limiter = new MemoryRateLimiter();
    limiter.correctTokens('key', {}, 500, T0);
    limiter.correctTokens('key', { rpm: 5 }, 500, T0);
    const decision = limiter.admit('key', { tpm: 1_000 }, 1_000, T0);
    expect(decision.allowed).toBe(true);
    expect(decision.tokens?.remaining).toBe(0);
  });

  it('keeps a zero correction from changing anything', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { tpm: 1_000 }, 500, T0);
    limiter.correctTokens('key', { tpm: 1_000 }, 0, T0);
    expect(limiter.admit('key', { tpm: 1_000 }, 0, T0).tokens?.remaining).toBe(500);
  });

  it('starts a key first seen in a correction with a full bucket', () => {
    const limiter = new MemoryRateLimiter();
    limiter.correctTokens('key', { tpm: 1_000 }, 200, T0);
    expect(limiter.admit('key', { tpm: 1_000 }, 0, T0).tokens?.remaining).toBe(800);
  });
});

describe('MemoryRateLimiter with both limits', () => {
  it('reports both limits on an admitted request', () => {
    const limiter = new MemoryRateLimiter();
    expect(limiter.admit('key', { rpm: 10, tpm: 1_000 }, 250, T0)).toEqual({
      allowed: true,
      requests: { limit: 10, remaining: 9, resetMs: 6_000 },
      tokens: { limit: 1_000, remaining: 750, resetMs: 15_000 },
    });
  });

  it('takes no tokens for a request the request limit refuses', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { rpm: 1, tpm: 1_000 }, 100, T0);
    const refused = limiter.admit('key', { rpm: 1, tpm: 1_000 }, 100, T0);
    expect(refused).toEqual({
      allowed: false,
      refusedBy: 'requests',
      retryAfterMs: 60_000,
      requests: { limit: 1, remaining: 0, resetMs: 60_000 },
      tokens: { limit: 1_000, remaining: 900, resetMs: 6_000 },
    });
    expect(limiter.admit('key', { tpm: 1_000 }, 900, T0).allowed).toBe(true);
  });

  it('takes no request for a request the token limit refuses', () => {
    const limiter = new MemoryRateLimiter();
    limiter.admit('key', { rpm: 2, tpm: 1_000 }, 900, T0);
    const refused = limiter.admit('key', { rpm: 2, tpm: 1_000 }, 200, T0);
    expect(refused).toEqual({
      allowed: false,
      refusedBy: 'tokens',
      retryAfterMs: 6_000,
      requests: { limit: 2, remaining: 1, resetMs: 30_000 },
      tokens: { limit: 1_000, remaining: 100, resetMs: 54_000 },
    });
    const admitted = limiter.admit('key', { rpm: 2, tpm: 1_000 }, 100, T0);
    expect(admitted.allowed).toBe(true);
    expect(admitted.requests).toEqual({ limit: 2, remaining: 0, resetMs: 60_000 });
  });

  it('reports a fresh key’s full request limit when its first request is refused for tokens', () => {
    const limiter = new MemoryRateLimiter();
    const refused = limiter.admit('key', { rpm: 5, tpm: 100 }, 101, T0);
    expect(refused.refusedBy).toBe('tokens');
    expect(refused.requests).toEqual({ limit: 5, remaining: 5, resetMs: 0 });
  });
});
