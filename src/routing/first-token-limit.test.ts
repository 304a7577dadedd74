import { describe, expect, it } from 'vitest';
import { type AdaptiveFirstToken, firstTokenLimitOf } from './first-token-limit.js';

const adaptive: AdaptiveFirstToken = { multiplier: 4, floorMs: 2_000, minSamples: 50 };

function limit(
  p99Ms: number | undefined,
  options: {
    samples?: number;
    alternative?: boolean;
    configuredMs?: number;
    knobs?: AdaptiveFirstToken;
  } = {},
): { limit: number; askedForAlternative: boolean } {
  let askedForAlternative = false;
  const value = firstTokenLimitOf({
    configuredMs: options.configuredMs ?? 20_000,
    adaptive: 'knobs' in options ? options.knobs : adaptive,
    baseline: p99Ms === undefined ? undefined : { p99Ms, p95Ms: p99Ms, samples: options.samples ?? 50 },
    hasAlternative: () => {
      askedForAlternative = true;
      return options.alternative ?? true;
    },
  });
  return { limit: value, askedForAlternative };
}

describe('firstTokenLimitOf', () => {
  it('is multiplier × the p99 once the baseline rests on enough samples and a fallback exists', () => {
    expect(limit(1_250).limit).toBe(5_000);
    expect(limit(1_000.2).limit).toBe(4_001);
  });

  it('never goes below the floor', () => {
    expect(limit(100).limit).toBe(2_000);
  });

  it('never goes above the configured limit, and does not ask for an alternative then', () => {
    expect(limit(6_000)).toEqual({ limit: 20_000, askedForAlternative: false });
    expect(limit(100, { configuredMs: 1_500 })).toEqual({ limit: 1_500, askedForAlternative: false });
  });

  it('keeps the configured limit with too few samples, no baseline, or adaptive limits off', () => {
    expect(limit(1_000, { samples: 49 })).toEqual({ limit: 20_000, askedForAlternative: false });
    expect(limit(undefined)).toEqual({ limit: 20_000, askedForAlternative: false });
    expect(limit(1_000, { knobs: undefined })).toEqual({ limit: 20_000, askedForAlternative: false });
  });

  it('keeps the configured limit when nothing else could take the request', () => {
    expect(limit(1_000, { alternative: false })).toEqual({ limit: 20_000, askedForAlternative: true });
  });
});
