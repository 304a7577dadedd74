import type { Clock } from '../core/index.js';

/** How many lines a {@link LogThrottle} lets through per window. */
export interface LogThrottleOptions {
  /** Time source (tests inject a manual clock). */
  clock: Clock;
  /** Length of a window, in ms. */
  windowMs: number;
  /** Lines about one fault from one address per window. */
  perAddress: number;
  /** Lines about one fault from all addresses together per window. */
  perFault: number;
}

/** What one window held back about one fault: written as one line when the window ends. */
export interface SuppressedLines {
  /** The fault, e.g. `request_timeout`. */
  fault: string;
  /** Lines held back. */
  count: number;
  /** Distinct addresses among them (counted up to {@link MAX_TRACKED_ADDRESSES}). */
  addresses: number;
  /** The address that had the most lines held back, and how many. */
  top: { address: string; count: number };
  /** When the window started and ended (clock ms). */
  from: number;
  to: number;
}

/** Per-address counts of one fault in the current window. */
interface AddressCount {
  logged: number;
  suppressed: number;
}

interface FaultWindow {
  logged: number;
  suppressed: number;
  addresses: Map<string, AddressCount>;
}

/**
 * A flood from many addresses must not grow memory without bound: past this many addresses per
 * fault and window, new ones are still held back and counted, but not told apart.
 */
export const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Rate-limits log lines about client faults (a stalled body, a dropped connection) so a flood of
 * them cannot fill the disk: in each window at most `perAddress` lines per (fault, address) and
 * `perFault` per fault pass; the rest are counted and reported as one line per fault when the
 * window ends. The per-address limit keeps one noisy client from using up the fault's lines.
 */
export class LogThrottle {
  private windowStart: number | undefined;
  private faults = new Map<string, FaultWindow>();
  private ended: SuppressedLines[] = [];

  constructor(private readonly options: LogThrottleOptions) {}

  /** Whether a line about `fault` from `address` may be written now; counts it either way. */
  admit(fault: string, address: string): boolean {
    const now = this.options.clock.now();
    this.endWindowIfOver(now);
    this.windowStart ??= now;
    let window = this.faults.get(fault);
    if (window === undefined) {
      window = { logged: 0, suppressed: 0, addresses: new Map() };
      this.faults.set(fault, window);
    }
    let count = window.addresses.get(address);
    if (count === undefined && window.addresses.size < MAX_TRACKED_ADDRESSES) {
      count = { logged: 0, suppressed: 0 };
      window.addresses.set(address, count);
    }
    if (
      count !== undefined &&
      count.logged < this.options.perAddress &&
      window.logged < this.options.perFault
    ) {
      count.logged += 1;
      window.logged += 1;
      return true;
    }
    if (count !== undefined) count.suppressed += 1;
    window.suppressed += 1;
    return false;
  }

  /** What the windows that have ended held back, once each; nothing while the current one runs. */
  takeSuppressed(): SuppressedLines[] {
    this.endWindowIfOver(this.options.clock.now());
    return this.ended.splice(0);
  }

  /** Ends the current window now (at shutdown) and returns everything held back. */
  flush(): SuppressedLines[] {
    if (this.windowStart !== undefined) this.endWindow(this.options.clock.now());
    return this.ended.splice(0);
  }

  private endWindowIfOver(now: number): void {
    if (this.windowStart !== undefined && now - this.windowStart >= this.options.windowMs)
      this.endWindow(now);
  }

  private endWindow(now: number): void {
    const from = this.windowStart ?? now;
    const to = Math.min(now, from + this.options.windowMs);
    for (const [fault, window] of this.faults) {
      if (window.suppressed === 0) continue;
      let top = { address: 'unknown', count: 0 };
      let addresses = 0;
      for (const [address, count] of window.addresses) {
        if (count.suppressed === 0) continue;
        addresses += 1;
        if (count.suppressed > top.count) top = { address, count: count.suppressed };
      }
      this.ended.push({ fault, count: window.suppressed, addresses, top, from, to });
    }
    this.faults = new Map();
    this.windowStart = undefined;
  }
}
