import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/index.js';
import { LatencySketch } from './latency-sketch.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('LatencySketch', () => {
  it('answers null for quantiles of an empty sketch', () => {
    const sketch = new LatencySketch();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNull();
  });

  it('keeps quantiles within 20 % of the exact ones from 1 ms to 10 minutes', () => {
    const random = seededRandom(7);
    const values: number[] = [];
    const sketch = new LatencySketch();
    for (let index = 0; index < 5000; index++) {
      // Log-uniform from 1 ms to 600 s.
      const value = Math.exp(random() * Math.log(600_000));
      values.push(value);
      sketch.add(value);
    }
    values.sort((a, b) => a - b);
    expect(sketch.count).toBe(5000);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      const estimate = sketch.quantile(q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(0.2);
    }
  });

  it('gives a single repeated value back exactly (clamped to the observed range)', () => {
    const sketch = new LatencySketch();
    for (let index = 0; index < 10; index++) sketch.add(250);
    expect(sketch.quantile(0.5)).toBe(250);
    expect(sketch.quantile(0.99)).toBe(250);
  });

  it('holds sub-millisecond values and clamps huge ones into the last bucket', () => {
    const sketch = new LatencySketch();
    sketch.add(0.2);
    sketch.add(5_000_000);
    expect(sketch.quantile(0)).toBe(0.5);
    expect(sketch.quantile(1)).toBe(5_000_000);
  });

  it('counts a zero', () => {
    const sketch = new LatencySketch();
    sketch.add(0);
    expect(sketch.count).toBe(1);
    expect(sketch.quantile(0.5)).toBe(0);
  });

  it('puts exactly 1 ms in the first bucket of the log scale, [1, growth)', () => {
    const sketch = new LatencySketch();
    sketch.add(1);
    sketch.add(100);
    // The first value's bucket middle is growth^0.5, not the sub-millisecond bucket's 0.5 (clamped to 1).
    expect(sketch.quantile(0.5)).toBeCloseTo(Math.sqrt(1.4), 12);
  });

  it('ignores negative and non-finite values', () => {
    const sketch = new LatencySketch();
    sketch.add(-1);
    sketch.add(Number.NaN);
    sketch.add(Number.POSITIVE_INFINITY);
    expect(sketch.count).toBe(0);
  });

  it('merges to the same quantiles as adding everything to one sketch', () => {
    const random = seededRandom(11);
    const left = new LatencySketch();
    const right = new LatencySketch();
    const all = new LatencySketch();
    for (let index = 0; index < 1000; index++) {
      const value = 10 + random() * 2000;
      (index % 2 === 0 ? left : right).add(value);
      all.add(value);
    }
    left.merge(right);
    expect(left.count).toBe(1000);
    for (const q of [0.1, 0.5, 0.95]) expect(left.quantile(q)).toBe(all.quantile(q));
  });

  it('refuses to merge sketches with different layouts', () => {
    expect(() => new LatencySketch().merge(new LatencySketch({ growth: 1.2 }))).toThrow(/layouts differ/);
    expect(() => new LatencySketch().merge(new LatencySketch({ buckets: 20 }))).toThrow(/layouts differ/);
  });

  it('empties on clear', () => {
    const sketch = new LatencySketch();
    sketch.add(100);
    sketch.clear();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNull();
  });
});
