import { describe, expect, it } from 'vitest';
import { SmoothWeightedRotation } from './smooth-weighted-rotation.js';

describe('SmoothWeightedRotation', () => {
  it('picks in proportion to the weights, spread out rather than in bursts', () => {
    const rotation = new SmoothWeightedRotation();
    const pool = [
      { id: 'a', weight: 3 },
      { id: 'b', weight: 1 },
    ];
    const firsts = Array.from({ length: 400 }, () => rotation.rank(pool)[0]);
    expect(firsts.slice(0, 8)).toEqual(['a', 'a', 'b', 'a', 'a', 'a', 'b', 'a']);
    expect(firsts.filter((id) => id === 'a')).toHaveLength(300);
    expect(firsts.filter((id) => id === 'b')).toHaveLength(100);
  });

  it('ranks the rest by who would be picked next, ties in pool order', () => {
    const rotation = new SmoothWeightedRotation();
    const pool = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
      { id: 'c', weight: 2 },
    ];
    expect(rotation.rank(pool)).toEqual(['c', 'a', 'b']);
    expect(rotation.rank(pool)).toEqual(['a', 'b', 'c']);
    expect(rotation.rank(pool)).toEqual(['b', 'c', 'a']);
  });

  it('follows weights that change between picks (a ramp, a slow host)', () => {
    const rotation = new SmoothWeightedRotation();
    const firsts: string[] = [];
    for (let index = 0; index < 100; index += 1) {
      firsts.push(
        rotation.rank([
          { id: 'a', weight: 1 },
          { id: 'b', weight: index < 50 ? 0 : 1 },
        ])[0] ?? '',
      );
    }
    expect(firsts.slice(0, 50).every((id) => id === 'a')).toBe(true);
    expect(firsts.slice(50).filter((id) => id === 'b')).toHaveLength(25);
  });
});
