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

  /**
   * A counter over `seconds` with this one's counts: each second keeps its counts when it falls
   * in a free slot of the new ring, and where two seconds share a slot the newer one wins, so
   * the most recent `seconds` of history survive a change of span.
   */
  resized(seconds: number): RollingCounter {
    const resized = new RollingCounter(seconds, this.channels);
    for (let slot = 0; slot < this.seconds; slot++) {
      const second = this.stamps[slot]!;
      if (second < 0) continue;
      const target = ((second % seconds) + seconds) % seconds;
      if (resized.stamps[target]! > second) continue;
      resized.stamps[target] = second;
      resized.counts.set(
        this.counts.subarray(slot * this.channels, (slot + 1) * this.channels),
        target * this.channels,
      );
    }
    return resized;
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
