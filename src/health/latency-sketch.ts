/** Options of a {@link LatencySketch}; the defaults cover 1 ms .. ~10 min in 40 log buckets. */
export interface LatencySketchOptions {
  /** Ratio between consecutive bucket bounds; the relative error is about sqrt(growth) - 1. */
  growth?: number;
  /** Number of log buckets at and above 1 ms (values beyond the last land in it). */
  buckets?: number;
}

const DEFAULT_GROWTH = 1.4;
// 1.4^40 ≈ 700,000 ms ≈ 11.7 min: covers the 10 min total deadline.
const DEFAULT_BUCKETS = 40;

/**
 * A small, mergeable latency histogram with fixed log buckets. Bucket 0 holds values below 1 ms;
 * bucket i ≥ 1 holds [growth^(i-1), growth^i). A quantile is the geometric middle of its bucket
 * clamped to the observed min and max, so with growth 1.4 its relative error is at most ~18 %.
 */
export class LatencySketch {
  private readonly counts: Float64Array;
  private readonly logGrowth: number;
  private readonly growth: number;
  private total = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = Number.NEGATIVE_INFINITY;

  constructor(options: LatencySketchOptions = {}) {
    this.growth = options.growth ?? DEFAULT_GROWTH;
    this.logGrowth = Math.log(this.growth);
    this.counts = new Float64Array((options.buckets ?? DEFAULT_BUCKETS) + 1);
  }

  /** Number of values added (or merged in). */
  get count(): number {
    return this.total;
  }

  /** Adds one value in milliseconds; negative and non-finite values are ignored. Does not allocate. */
  add(milliseconds: number): void {
    if (!(milliseconds >= 0) || milliseconds === Number.POSITIVE_INFINITY) return;
    this.counts[this.bucketOf(milliseconds)]! += 1;
    this.total += 1;
    if (milliseconds < this.minimum) this.minimum = milliseconds;
    if (milliseconds > this.maximum) this.maximum = milliseconds;
  }

  /** Adds every value of `other` (which must have the same bucket layout) into this sketch. */
  merge(other: LatencySketch): void {
    if (other.counts.length !== this.counts.length || other.growth !== this.growth) {
      throw new Error('LatencySketch.merge: bucket layouts differ');
    }
    if (other.total === 0) return;
    for (let index = 0; index < this.counts.length; index++) {
      this.counts[index]! += other.counts[index]!;
    }
    this.total += other.total;
    if (other.minimum < this.minimum) this.minimum = other.minimum;
    if (other.maximum > this.maximum) this.maximum = other.maximum;
  }

  /** The value at quantile `q` (0..1), or `null` when the sketch is empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.total));
    let seen = 0;
    for (let index = 0; index < this.counts.length; index++) {
      seen += this.counts[index]!;
      if (seen >= rank) return this.clampToSeen(this.middleOf(index));
    }
    return this.maximum;
  }

  /** Empties the sketch, keeping its storage. */
  clear(): void {
    this.counts.fill(0);
    this.total = 0;
    this.minimum = Number.POSITIVE_INFINITY;
    this.maximum = Number.NEGATIVE_INFINITY;
  }

  private bucketOf(milliseconds: number): number {
    if (milliseconds < 1) return 0;
    const index = Math.floor(Math.log(milliseconds) / this.logGrowth) + 1;
    return index < this.counts.length ? index : this.counts.length - 1;
  }

  private middleOf(index: number): number {
    if (index === 0) return 0.5;
    // The last bucket also holds everything beyond it: only the observed maximum bounds it.
    if (index === this.counts.length - 1) return Number.POSITIVE_INFINITY;
    return this.growth ** (index - 0.5);
  }

  private clampToSeen(value: number): number {
    return Math.min(this.maximum, Math.max(this.minimum, value));
  }
}
