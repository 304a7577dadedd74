/**
 * Per-second counters over a rolling span, for budgets and throttles: `channels` counts per second
 * in a ring of `seconds` slots, stamped with their epoch second so stale slots are reset on reuse.
 */
export class RollingCounter {
  private readonly seconds: number;
  private readonly channels: number;
  private readonly stamps: Float64Array;
  private readonly counts: Float64Array;

  constructor(seconds: number, channels = 1) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error('RollingCounter: seconds must be ≥ 1');
    this.seconds = seconds;
    this.channels = channels;
    this.stamps = new Float64Array(seconds).fill(-1);
    this.counts = new Float64Array(seconds * channels);
  }

  /** Adds `amount` to `channel` in the second that holds `now` (epoch ms). */
  add(now: number, channel = 0, amount = 1): void {
    const second = Math.floor(now / 1000);
    const slot = ((second % this.seconds) + this.seconds) % this.seconds;
    const stamp = this.stamps[slot]!;
    if (stamp > second) return;
    if (stamp !== second) {
      this.stamps[slot] = second;
      this.counts.fill(0, slot * this.channels, (slot + 1) * this.channels);
    }
    this.counts[slot * this.channels + channel]! += amount;
  }

  /** Sum of `channel` over the span ending in the second that holds `now`. */
  sum(now: number, channel = 0): number {
    const newest = Math.floor(now / 1000);
    const oldest = newest - this.seconds + 1;
    let total = 0;
    for (let slot = 0; slot < this.seconds; slot++) {
      const stamp = this.stamps[slot]!;
      if (stamp >= oldest && stamp <= newest) total += this.counts[slot * this.channels + channel]!;
    }
    return total;
  }
}
