import { describe, expect, it } from 'vitest';
import { RollingCounter } from './rolling-counter.js';

const START = 1_700_000_000_000;

describe('RollingCounter', () => {
  it('keeps the most recent seconds when resized to a shorter span', () => {
    const counter = new RollingCounter(10);
    for (let second = 0; second < 10; second++) counter.add(START + second * 1000, 0, second + 1);
    const now = START + 9_000;
    expect(counter.sum(now)).toBe(55);
    // The last 4 seconds held 7 + 8 + 9 + 10.
    expect(counter.resized(4).sum(now)).toBe(34);
  });

  it('keeps every second when resized to a longer span, and counts on from there', () => {
    const counter = new RollingCounter(3, 2);
    counter.add(START, 0, 2);
    counter.add(START + 1000, 1, 5);
    const longer = counter.resized(60);
    longer.add(START + 30_000, 0, 1);
    expect(longer.sum(START + 30_000, 0)).toBe(3);
    expect(longer.sum(START + 30_000, 1)).toBe(5);
    expect(longer.sum(START + 61_000, 0)).toBe(1);
  });

  it('refuses a span that is not a whole number of seconds of at least one', () => {
    expect(() => new RollingCounter(0)).toThrow('seconds must be ≥ 1');
    expect(() => new RollingCounter(1.5)).toThrow('seconds must be ≥ 1');
    expect(new RollingCounter(1).sum(START)).toBe(0);
  });

  it('counts from the epoch’s first second: an unused slot is older than any second', () => {
    const counter = new RollingCounter(3);
    counter.add(0);
    counter.add(999, 0, 2);
    expect(counter.sum(999)).toBe(3);
  });

  it('ignores a late count for a second whose slot a newer second already holds', () => {
    const counter = new RollingCounter(2);
    counter.add(START + 5_000);
    counter.add(START + 3_000, 0, 10); // same slot as second 5, and older
    expect(counter.sum(START + 5_000)).toBe(1);
  });

  it('clears every channel of a slot when a new second reuses it', () => {
    const counter = new RollingCounter(2, 2);
    counter.add(START, 1, 4);
    counter.add(START + 2_000, 0, 1); // the slot of START, two seconds on
    expect(counter.sum(START + 2_000, 1)).toBe(0);
    expect(counter.sum(START + 2_000, 0)).toBe(1);
  });

  it('sums only the span that ends at the given instant, not seconds after it', () => {
    const counter = new RollingCounter(10);
    counter.add(START, 0, 1);
    counter.add(START + 5_000, 0, 2);
    expect(counter.sum(START + 4_000)).toBe(1);
  });

  it('keeps the epoch’s first second when resized', () => {
    const counter = new RollingCounter(3);
    counter.add(0, 0, 2);
    expect(counter.resized(5).sum(999)).toBe(2);
  });
});
