import { describe, expect, it } from 'vitest';
import { computeCost, formatCostUsd } from './compute-cost.js';

describe('computeCost', () => {
  it('charges uncached input, cache reads, cache writes and output each at their own price', () => {
    // 10,000 prompt tokens of which 6,000 read from and 2,000 written to the cache; 500 output.
    const usage = { inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 6_000, cacheWriteTokens: 2_000 };
    const price = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
    // 2,000 × 3 + 6,000 × 0.3 + 2,000 × 3.75 + 500 × 15 = 6,000 + 1,800 + 7,500 + 7,500 = 22,800 per million
    expect(computeCost(usage, price)).toBe(0.0228);
  });

  it('charges cache tokens at the input price when the host lists no cache price', () => {
    expect(
      computeCost({ inputTokens: 1_000, outputTokens: 0, cacheReadTokens: 400 }, { input: 2, output: 8 }),
    ).toBe(0.002);
  });

  it('is exact for decimal prices', () => {
    expect(computeCost({ inputTokens: 1_000, outputTokens: 1_000 }, { input: 0.3, output: 2.5 })).toBe(
      0.0028,
    );
  });

  it('costs nothing for no tokens', () => {
    expect(computeCost({ inputTokens: 0, outputTokens: 0 }, { input: 3, output: 15 })).toBe(0);
  });
});

describe('formatCostUsd', () => {
  it('writes plain decimals without an exponent', () => {
    expect(formatCostUsd(0.0000225)).toBe('0.0000225');
    expect(formatCostUsd(0)).toBe('0');
    expect(formatCostUsd(1.5)).toBe('1.5');
  });
});
