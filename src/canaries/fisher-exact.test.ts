import { describe, expect, it } from 'vitest';
import { fisherExact, logFactorial } from './fisher-exact.js';

/** Exact hypergeometric tails with BigInt binomials: an independent oracle for small tables. */
function bruteForce(
  a: number,
  b: number,
  c: number,
  d: number,
): { twoSided: number; less: number; greater: number } {
  const choose = (n: number, k: number): bigint => {
    let result = 1n;
    for (let i = 0; i < k; i += 1) result = (result * BigInt(n - i)) / BigInt(i + 1);
    return result;
  };
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const denominator = choose(row1 + row2, column1);
  const weight = (x: number): bigint => choose(row1, x) * choose(row2, column1 - x);
  let twoSided = 0n;
  let less = 0n;
  let greater = 0n;
  const observed = weight(a);
  for (let x = Math.max(0, column1 - row2); x <= Math.min(row1, column1); x += 1) {
    const w = weight(x);
    if (w <= observed) twoSided += w;
    if (x <= a) less += w;
    if (x >= a) greater += w;
  }
  const toNumber = (value: bigint): number => Number(value) / Number(denominator);
  return { twoSided: toNumber(twoSided), less: toNumber(less), greater: toNumber(greater) };
}

describe('fisherExact', () => {
  it("gives Fisher's tea-tasting values: 17/70 one-sided, 34/70 two-sided", () => {
    // [[3, 1], [1, 3]]: P(a = 3) = C(4,3)·C(4,1)/C(8,4) = 16/70, P(a = 4) = 1/70.
    const result = fisherExact(3, 1, 1, 3);
    expect(result.greater).toBeCloseTo(17 / 70, 12);
    expect(result.twoSided).toBeCloseTo(34 / 70, 12);
    expect(result.less).toBeCloseTo(69 / 70, 12);
  });

  it('matches R and SciPy on textbook tables', () => {
    // Values from scipy.stats.fisher_exact (the same rule as R's fisher.test).
    const cases: Array<[number, number, number, number, number, number, number]> = [
      [1, 9, 11, 3, 0.0027594561852200836, 0.0013797280926100418, 0.9999663480953022],
      [40, 10, 30, 20, 0.04858163161294097, 0.9921915067133966, 0.024290815806470478],
      [0, 5, 5, 0, 0.007936507936507938, 0.003968253968253969, 1],
      [85, 15, 120, 5, 0.0046275012350474945, 0.003929596760688822, 0.9991906753593758],
      [7, 0, 0, 0, 1, 1, 1],
    ];
    for (const [a, b, c, d, twoSided, less, greater] of cases) {
      const result = fisherExact(a, b, c, d);
      expect(result.twoSided).toBeCloseTo(twoSided, 10);
      expect(result.less).toBeCloseTo(less, 10);
      expect(result.greater).toBeCloseTo(greater, 10);
    }
  });

  it('agrees with exact BigInt enumeration on many small tables', () => {
    for (let a = 0; a <= 6; a += 1) {
      for (let b = 0; b <= 6; b += 2) {
        for (let c = 0; c <= 7; c += 3) {
          for (let d = 1; d <= 8; d += 3) {
            const expected = bruteForce(a, b, c, d);
            const result = fisherExact(a, b, c, d);
            expect(result.less).toBeCloseTo(expected.less, 10);
            expect(result.greater).toBeCloseTo(expected.greater, 10);
            expect(result.twoSided).toBeCloseTo(expected.twoSided, 10);
          }
        }
      }
    }
  });

  it('stays finite and in [0, 1] on canary-sized tables', () => {
    const result = fisherExact(300, 200, 800, 200);
    expect(result.less).toBeGreaterThan(0);
    expect(result.less).toBeLessThan(1e-8);
    expect(result.greater).toBeLessThanOrEqual(1);
  });

  it('rejects counts that are not natural numbers', () => {
    expect(() => fisherExact(-1, 2, 3, 4)).toThrow(/a must be/);
    expect(() => fisherExact(1, 2.5, 3, 4)).toThrow(/b must be/);
  });
});

describe('logFactorial', () => {
  it('is ln(n!)', () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 12);
    expect(logFactorial(20)).toBeCloseTo(Math.log(2432902008176640000), 10);
  });
});
