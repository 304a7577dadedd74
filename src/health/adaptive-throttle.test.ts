import { describe, expect, it } from 'vitest';
import { AdaptiveThrottle } from './adaptive-throttle.js';

const START = 1_700_000_000_000;

describe('AdaptiveThrottle', () => {
  it('never rejects while the host accepts everything', () => {
    const throttle = new AdaptiveThrottle();
    for (let index = 0; index < 100; index++) throttle.record(START, true);
    expect(throttle.rejectProbability(START)).toBe(0);
    expect(throttle.shouldReject(START, () => 0)).toBe(false);
  });

  it('rejects with probability (requests − 2·accepts) / (requests + 1)', () => {
    const throttle = new AdaptiveThrottle();
    for (let index = 0; index < 100; index++) throttle.record(START + index * 10, index < 20);
    const now = START + 1000;
    expect(throttle.rejectProbability(now)).toBeCloseTo(60 / 101, 12);
    expect(throttle.shouldReject(now, () => 0.59)).toBe(true);
    expect(throttle.shouldReject(now, () => 0.6)).toBe(false);
  });

  it('rejects nothing at exactly half accepted (K = 2)', () => {
    const throttle = new AdaptiveThrottle();
    for (let index = 0; index < 10; index++) throttle.record(START, index % 2 === 0);
    expect(throttle.rejectProbability(START)).toBe(0);
  });

  it('forgets requests older than 2 minutes', () => {
    const throttle = new AdaptiveThrottle();
    for (let index = 0; index < 10; index++) throttle.record(START, false);
    expect(throttle.rejectProbability(START + 119_999)).toBeCloseTo(10 / 11, 12);
    expect(throttle.rejectProbability(START + 120_000)).toBe(0);
  });

  it('takes K from the options', () => {
    const throttle = new AdaptiveThrottle({ k: 1 });
    for (let index = 0; index < 10; index++) throttle.record(START, index < 4);
    expect(throttle.rejectProbability(START)).toBeCloseTo(6 / 11, 12);
  });

  it('applies a new K and window to the history it already has', () => {
    const throttle = new AdaptiveThrottle();
    for (let index = 0; index < 10; index++) throttle.record(START + index * 10_000, index < 4);
    const now = START + 100_000;
    expect(throttle.rejectProbability(now)).toBeCloseTo(2 / 11, 12);
    throttle.configure({ k: 1 });
    expect(throttle.rejectProbability(now)).toBeCloseTo(6 / 11, 12);
    // A 30 s window ending at 100 s holds the requests at 80 and 90 s, both refused.
    throttle.configure({ windowMs: 30_000 });
    expect(throttle.rejectProbability(now)).toBeCloseTo(2 / 3, 12);
  });

  it('keeps its window when a reload changes only K', () => {
    const throttle = new AdaptiveThrottle({ windowMs: 10_000 });
    throttle.record(START, false);
    throttle.configure({ k: 1 });
    // Fifteen seconds on, the refusal is out of the 10 s window (it would still be in the default 2 min).
    expect(throttle.rejectProbability(START + 15_000)).toBe(0);
    expect(throttle.rejectProbability(START)).toBeCloseTo(1 / 2, 12);
  });
});
