import { RollingCounter } from './rolling-counter.js';

/** Options of an {@link AdaptiveThrottle}. */
export interface AdaptiveThrottleOptions {
  /** Accepts multiplier K; default 2 (Google SRE book, "Handling Overload"). */
  k?: number;
  /** History length, in ms; default 2 minutes. */
  windowMs?: number;
}

const REQUESTS = 0;
const ACCEPTS = 1;

function secondsOf(windowMs = 120_000): number {
  return Math.max(1, Math.ceil(windowMs / 1000));
}

/**
 * Google SRE client-side adaptive throttling, used in panic mode: a request is rejected locally
 * with probability `max(0, (requests − K·accepts) / (requests + 1))` over the last 2 minutes.
 * `requests` counts every request the caller wanted to send, including the ones this throttle
 * rejected (record those as not accepted); `accepts` counts the ones the host served.
 */
export class AdaptiveThrottle {
  private k: number;
  private counter: RollingCounter;

  constructor(options: AdaptiveThrottleOptions = {}) {
    this.k = options.k ?? 2;
    this.counter = new RollingCounter(secondsOf(options.windowMs), 2);
  }

  /** Replaces K and the window (a config reload), keeping the history that fits the new window. */
  configure(options: AdaptiveThrottleOptions): void {
    if (options.k !== undefined) this.k = options.k;
    if (options.windowMs !== undefined) this.counter = this.counter.resized(secondsOf(options.windowMs));
  }

  /** Records one request and whether the host accepted it. */
  record(now: number, accepted: boolean): void {
    this.counter.add(now, REQUESTS);
    if (accepted) this.counter.add(now, ACCEPTS);
  }

  /** The probability with which a request is rejected now. */
  rejectProbability(now: number): number {
    const requests = this.counter.sum(now, REQUESTS);
    const accepts = this.counter.sum(now, ACCEPTS);
    return Math.max(0, (requests - this.k * accepts) / (requests + 1));
  }

  /** Whether to reject a request now; `random` returns a uniform number in [0, 1). */
  shouldReject(now: number, random: () => number = Math.random): boolean {
    return random() < this.rejectProbability(now);
  }
}
