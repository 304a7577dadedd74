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

/** The simulator's seeded PRNG (mulberry32), so ramps and jitter repeat from run to run. */
export { seededRandom } from '../../src/sim/index.js';
