/** Time, injected so breakers, windows and timeouts can be driven by tests instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `milliseconds`. */
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }

  /** Jumps to an absolute time. */
  set(epochMilliseconds: number): void {
    this.current = epochMilliseconds;
  }
}
