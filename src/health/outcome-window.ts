import type { Clock } from '../core/index.js';
import { LatencySketch } from './latency-sketch.js';
import {
  countsAsFailure,
  OUTCOME_RESULT_INDEX,
  OUTCOME_RESULTS,
  type Outcome,
  type OutcomeResult,
} from './outcome.js';

/** What a window read returns: counts, rates and latency quantiles over the last `windowMs`. */
export interface WindowStats {
  /** Outcomes of every class. */
  total: number;
  /** `success` outcomes. */
  successes: number;
  /** Outcomes that count against the host ({@link countsAsFailure}). */
  failures: number;
  /** `failures / total`, 0 when there were no outcomes. */
  failureRate: number;
  /** Count per result, only the results that occurred. */
  byResult: Partial<Record<OutcomeResult, number>>;
  /** Median attempt latency in ms, `null` with no outcomes. */
  latencyP50: number | null;
  /** 95th percentile attempt latency in ms, `null` with no outcomes. */
  latencyP95: number | null;
  /** Median time to first token in ms, `null` with no samples. */
  ttftP50: number | null;
  /** 95th percentile time to first token in ms, `null` with no samples. */
  ttftP95: number | null;
  /** 99th percentile time to first token in ms, `null` with no samples. */
  ttftP99: number | null;
  /** Outcomes that carried a time to first token. */
  ttftCount: number;
}

/** Anything a window can be read from (an {@link OutcomeWindow}, or a shared backend's view). */
export interface WindowReader {
  /** Stats over the last `windowMs` milliseconds (whole seconds, the current one included). */
  read(windowMs: number, until?: number): WindowStats;
}

/** Options of an {@link OutcomeWindow}. */
export interface OutcomeWindowOptions {
  /** Where "now" comes from. */
  clock: Clock;
  /** Number of 1 s buckets kept; default 300 (5 minutes). */
  buckets?: number;
}

const BUCKET_MS = 1000;
const RESULT_COUNT = OUTCOME_RESULTS.length;

/** One second of outcomes. */
interface Bucket {
  /** Epoch second this bucket holds, or -1 when never used. */
  second: number;
  counts: Float64Array;
  latency: LatencySketch;
  ttft: LatencySketch;
}

/**
 * Rolling outcome counts and latency sketches in 1 s buckets kept in a ring. A bucket is stamped
 * with its epoch second, so stale buckets (after a pause or a jump forward longer than the ring)
 * are recognised by their stamp and reused in place, never allocated again.
 */
export class OutcomeWindow implements WindowReader {
  private readonly clock: Clock;
  private readonly ring: Bucket[];
  private readonly scratchLatency = new LatencySketch();
  private readonly scratchTtft = new LatencySketch();
  private latestSecond = -1;
  private consecutive = 0;

  constructor(options: OutcomeWindowOptions) {
    this.clock = options.clock;
    const size = options.buckets ?? 300;
    if (!Number.isInteger(size) || size < 1)
      throw new Error('OutcomeWindow: buckets must be a positive integer');
    this.ring = Array.from({ length: size }, () => ({
      second: -1,
      counts: new Float64Array(RESULT_COUNT),
      latency: new LatencySketch(),
      ttft: new LatencySketch(),
    }));
  }

  /** Longest window this ring can answer, in milliseconds. */
  get spanMs(): number {
    return this.ring.length * BUCKET_MS;
  }

  /** Host failures in a row; a success resets it, results that are not host faults leave it alone. */
  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Adds one outcome. Outcomes older than the ring are counted in `consecutiveFailures` only. */
  record(outcome: Outcome): void {
    if (outcome.result === 'success') this.consecutive = 0;
    else if (countsAsFailure(outcome.result)) this.consecutive += 1;

    const second = Math.floor(outcome.at / BUCKET_MS);
    if (second > this.latestSecond) this.latestSecond = second;
    if (second <= this.latestSecond - this.ring.length) return;
    const bucket = this.ring[((second % this.ring.length) + this.ring.length) % this.ring.length]!;
    if (bucket.second !== second) {
      // A newer second already owns this slot: the outcome is too old for the ring.
      if (bucket.second > second) return;
      bucket.second = second;
      bucket.counts.fill(0);
      bucket.latency.clear();
      bucket.ttft.clear();
    }
    bucket.counts[OUTCOME_RESULT_INDEX[outcome.result]]! += 1;
    bucket.latency.add(outcome.latencyMs);
    if (outcome.timeToFirstTokenMs !== undefined) bucket.ttft.add(outcome.timeToFirstTokenMs);
  }

  /**
   * Adds counts seen elsewhere (another replica's outcomes in epoch second `second`, DESIGN.md
   * section 9): they count in rates and totals, but not in `consecutiveFailures` (a run of failures
   * is one replica's own) nor in latency quantiles (sketches are not shared). Counts older than the
   * ring are dropped.
   */
  merge(second: number, counts: Partial<Record<OutcomeResult, number>>): void {
    if (second <= this.latestSecond - this.ring.length) return;
    if (second > this.latestSecond) this.latestSecond = second;
    const bucket = this.ring[((second % this.ring.length) + this.ring.length) % this.ring.length]!;
    if (bucket.second !== second) {
      if (bucket.second > second) return;
      bucket.second = second;
      bucket.counts.fill(0);
      bucket.latency.clear();
      bucket.ttft.clear();
    }
    for (const result of OUTCOME_RESULTS) {
      const count = counts[result];
      if (count !== undefined && Number.isFinite(count) && count > 0)
        bucket.counts[OUTCOME_RESULT_INDEX[result]]! += count;
    }
  }

  /**
   * Stats over the last `windowMs` (rounded up to whole seconds, capped at the ring's span), ending
   * now, or ending just before `until` (whole seconds before it) to read a period that is over.
   */
  read(windowMs: number, until?: number): WindowStats {
    const nowSecond =
      until === undefined ? Math.floor(this.clock.now() / BUCKET_MS) : Math.ceil(until / BUCKET_MS) - 1;
    const seconds = Math.min(this.ring.length, Math.max(1, Math.ceil(windowMs / BUCKET_MS)));
    const oldest = nowSecond - seconds + 1;
    const counts = new Float64Array(RESULT_COUNT);
    this.scratchLatency.clear();
    this.scratchTtft.clear();
    for (const bucket of this.ring) {
      if (bucket.second < oldest || bucket.second > nowSecond) continue;
      for (let index = 0; index < RESULT_COUNT; index++) counts[index]! += bucket.counts[index]!;
      this.scratchLatency.merge(bucket.latency);
      this.scratchTtft.merge(bucket.ttft);
    }
    let total = 0;
    let failures = 0;
    const byResult: Partial<Record<OutcomeResult, number>> = {};
    for (let index = 0; index < RESULT_COUNT; index++) {
      const count = counts[index]!;
      if (count === 0) continue;
      const result = OUTCOME_RESULTS[index]!;
      byResult[result] = count;
      total += count;
      if (countsAsFailure(result)) failures += count;
    }
    return {
      total,
      successes: byResult.success ?? 0,
      failures,
      failureRate: total === 0 ? 0 : failures / total,
      byResult,
      latencyP50: this.scratchLatency.quantile(0.5),
      latencyP95: this.scratchLatency.quantile(0.95),
      ttftP50: this.scratchTtft.quantile(0.5),
      ttftP95: this.scratchTtft.quantile(0.95),
      ttftP99: this.scratchTtft.quantile(0.99),
      ttftCount: this.scratchTtft.count,
    };
  }

  /** Forgets every outcome and the consecutive-failure count. */
  clear(): void {
    for (const bucket of this.ring) {
      bucket.second = -1;
      bucket.counts.fill(0);
      bucket.latency.clear();
      bucket.ttft.clear();
    }
    this.latestSecond = -1;
    this.consecutive = 0;
  }
}
