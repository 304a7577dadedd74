import { describe, expect, it } from 'vitest';
import { cappedEjectionCount, ejectionTimeOf } from './breaker-machine.js';
import { resolveBreakerOptions } from './breaker-options.js';

describe('ejection times', () => {
  const options = resolveBreakerOptions({ ejection: { baseTime: 30_000, maxTime: 300_000 } });

  it('grows by the base time with each consecutive ejection, up to the maximum', () => {
    expect([1, 2, 9, 10, 11].map((count) => ejectionTimeOf(count, options))).toEqual([
      30_000, 60_000, 270_000, 300_000, 300_000,
    ]);
  });

  it('caps the multiplier where the time caps', () => {
    expect(cappedEjectionCount(4, options)).toBe(4);
    expect(cappedEjectionCount(100, options)).toBe(10);
    // 45 s in steps of 30 s reaches its cap at the second ejection.
    const short = resolveBreakerOptions({ ejection: { baseTime: 30_000, maxTime: 45_000 } });
    expect(cappedEjectionCount(5, short)).toBe(2);
  });
});
