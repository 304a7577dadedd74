import { describe, expect, it } from 'vitest';
import { type LatencyReading, rankByLatency } from './rank-by-latency.js';

function reading(latencyP50: number | null, ttftP50: number | null = null): LatencyReading {
  return {
    total: latencyP50 === null ? 0 : 10,
    latencyP50,
    ttftP50,
    ttftCount: ttftP50 === null ? 0 : 10,
  };
}

/** Answers the given draws in turn, then fails: a test sees exactly how many draws were made. */
function draws(...values: number[]): () => number {
  return () => {
    const value = values.shift();
    if (value === undefined) throw new Error('one draw too many');
    return value;
  };
}

describe('rankByLatency', () => {
  it('puts deployments with no recent outcome first, then the fastest by time to first token', () => {
    const readings = new Map([
      ['slow', reading(900, 300)],
      ['new', reading(null)],
      ['fast', reading(2000, 20)],
      ['newer', reading(null)],
    ]);
    const ranked = rankByLatency([...readings.keys()], (id) => readings.get(id) ?? reading(null), draws(0.5));
    expect(ranked).toEqual(['new', 'newer', 'fast', 'slow']);
  });

  it('compares median latency when not every deployment has streamed lately', () => {
    const readings = new Map([
      ['slow', reading(900, 300)],
      ['fast', reading(100)],
    ]);
    expect(rankByLatency(['slow', 'fast'], (id) => readings.get(id) ?? reading(null), draws(0.5))).toEqual([
      'fast',
      'slow',
    ]);
  });

  it('explores: with probability 5 % a random slower deployment goes first', () => {
    const readings = new Map([
      ['a', reading(10)],
      ['b', reading(20)],
      ['c', reading(30)],
    ]);
    const rank = (random: () => number) =>
      rankByLatency(['c', 'b', 'a'], (id) => readings.get(id) ?? reading(null), random);
    expect(rank(draws(0.05))).toEqual(['a', 'b', 'c']);
    expect(rank(draws(0.049, 0.9))).toEqual(['c', 'a', 'b']);
    expect(rank(draws(0.049, 0))).toEqual(['b', 'a', 'c']);
  });

  it('draws nothing for a single deployment', () => {
    expect(rankByLatency(['only'], () => reading(5), draws())).toEqual(['only']);
  });
});
