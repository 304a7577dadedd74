import type { Clock } from '../../src/core/index.js';

/**
 * Real time plus a jump the test controls: latencies are still measured for real, while ejection
 * times, cool-downs and windows can be skipped over without sleeping.
 */
export class OffsetClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  /** Jumps forward by `milliseconds`. */
  advance(milliseconds: number): void {
    this.offset += milliseconds;
  }
}

/** A small seeded PRNG (mulberry32), so ramps and jitter repeat from run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
