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

describe('fisherExact argument checks', () => {
  it('names the count that is not a natural number', () => {
    expect(() => fisherExact(-1, 2, 3, 4)).toThrow(
      new RangeError('fisherExact: a must be a non-negative integer, got -1'),
    );
    expect(() => fisherExact(1, 2.5, 3, 4)).toThrow(
      new RangeError('fisherExact: b must be a non-negative integer, got 2.5'),
    );
    expect(() => fisherExact(1, 2, Number.NaN, 4)).toThrow(
      new RangeError('fisherExact: c must be a non-negative integer, got NaN'),
    );
    expect(() => fisherExact(1, 2, 3, -4)).toThrow(
      new RangeError('fisherExact: d must be a non-negative integer, got -4'),
    );
    expect(fisherExact(0, 0, 0, 0)).toStrictEqual({ twoSided: 1, less: 1, greater: 1 });
  });

  it('counts a table exactly as likely as the observed one in the two-sided sum', () => {
    // [[1, 3], [3, 1]] and [[3, 1], [1, 3]] are equally likely (16/70 each): with a = 1 and a = 3
    // and the two tails 1/70 each, the two-sided value is 34/70.
    const result = fisherExact(1, 3, 3, 1);
    expect(result.twoSided).toBeCloseTo(34 / 70, 12);
    expect(result.less).toBeCloseTo(17 / 70, 12);
    expect(result.greater).toBeCloseTo(69 / 70, 12);
  });

  it('sums a one-sided tail at the edge of the support', () => {
    // Margins row1 = 2, row2 = 2, column1 = 2: P(a = 0) = C(2,0)·C(2,2)/C(4,2) = 1/6, P(1) = 4/6, P(2) = 1/6.
    expect(fisherExact(0, 2, 2, 0)).toStrictEqual({
      twoSided: expect.closeTo(2 / 6, 12),
      less: expect.closeTo(1 / 6, 12),
      greater: 1,
    });
    // row2 = 0: a can only be column1 = 1, a table of probability 1.
    expect(fisherExact(1, 2, 0, 0)).toStrictEqual({ twoSided: 1, less: 1, greater: 1 });
  });
});

describe('fisherExact rounding', () => {
  it('never gives a p-value above 1, even when the rounded terms sum past it', () => {
    // [[0, 1], [1, 9]]: every table counts on both sides; the terms sum to 1.0000000000000027.
    expect(fisherExact(0, 1, 1, 9)).toStrictEqual({
      twoSided: 1,
      less: expect.closeTo(10 / 11, 12),
      greater: 1,
    });
    // The same table with its rows swapped: now the lower tail holds every table.
    expect(fisherExact(1, 9, 0, 1)).toStrictEqual({
      twoSided: 1,
      less: 1,
      greater: expect.closeTo(10 / 11, 12),
    });
  });
});

describe('logFactorial argument checks', () => {
  it('refuses negative and fractional n, naming it', () => {
    expect(() => logFactorial(-1)).toThrow(new RangeError('logFactorial needs a natural number, got -1'));
    expect(() => logFactorial(1.5)).toThrow(new RangeError('logFactorial needs a natural number, got 1.5'));
    expect(logFactorial(1)).toBe(0);
    expect(logFactorial(3)).toBeCloseTo(Math.log(6), 14);
  });
});
