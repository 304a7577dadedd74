/**
 * Slows down guessing the admin key at the console's login form: after `maxFailures` wrong keys
 * from one address within `windowMs`, that address is refused (even with the right key) until the
 * window of its first failure has passed. A success clears the address's count.
 */
export interface LoginThrottleOptions {
  now: () => number;
  /** Wrong keys allowed per address per window; default 5. */
  maxFailures?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** Addresses remembered at most; past it the oldest are forgotten. Default 10,000. */
  maxAddresses?: number;
}

interface Failures {
  since: number;
  count: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 900_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** Milliseconds until `address` may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const entry = this.current(address);
    if (entry === undefined || entry.count < this.maxFailures) return 0;
    return entry.since + this.windowMs - this.options.now();
  }

  /** Counts a wrong key from `address`. */
  failed(address: string): void {
    const entry = this.current(address);
    if (entry !== undefined) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(address, { since: this.options.now(), count: 1 });
  }

  /** A right key from `address`: its count starts over. */
  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private current(address: string): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry === undefined) return undefined;
    if (this.options.now() - entry.since >= this.windowMs) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
