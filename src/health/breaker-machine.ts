import type { BreakerOptions } from './breaker-options.js';

/** Closed: traffic flows; the strategy watches for demotion and ejection. */
export interface ClosedState {
  state: 'closed';
  /** When it last closed (restore or reset); windows are clipped to it. `null`: never opened. */
  since: number | null;
  /** Start of the current failure-free stretch, from which the ejection multiplier decays. */
  healthySince: number | null;
  /** Host failures in a row. */
  consecutiveFailures: number;
  /** When the traffic ramp after a restore began; `null` when not ramping. */
  rampStartedAt: number | null;
}

/** Open: ejected until `openUntil`. */
export interface OpenState {
  state: 'open';
  openedAt: number;
  openUntil: number;
  /** When an active health check last went out during this ejection. */
  checkedAt?: number;
}

/** A trial lease the breaker is still waiting for. */
export interface OutstandingLease {
  /** The lease's token within its half-open period. */
  token: number;
  /** When it was taken. */
  issuedAt: number;
}

/** Half-open: the ejection time passed; a few trial requests decide. */
export interface HalfOpenState {
  state: 'half_open';
  /** When the ejection that led here began (for the panic choice: ejected longest ago). */
  openedAt: number;
  /** When it became half-open (the end of the ejection). */
  since: number;
  /** This half-open period's number; a lease of any other period is stale. */
  generation: number;
  /** Trial leases taken in this period and not settled yet. */
  leases: OutstandingLease[];
  /** Leases taken in this period so far (the next lease's token). */
  issued: number;
  trialSuccesses: number;
  /** When the last trial slot was taken; `null` if none yet. */
  lastTrialAt: number | null;
}

/** The state machine's position; each state holds only its own fields. */
export type BreakerState = ClosedState | OpenState | HalfOpenState;

/** The parts of a breaker that time moves: the machine, the multiplier and the period count. */
export interface BreakerPosition {
  /** The state machine. */
  machine: BreakerState;
  /** Ejection multiplier as of its last change. */
  ejectionCount: number;
  /** Half-open periods begun so far. */
  generation: number;
}

/**
 * Where time takes a breaker by `now`, as a new position (the given one is never changed): an
 * ejection that has ended becomes a new half-open period; a half-open period with a lease unsettled
 * for `trialTimeout` fails when that lease was lost, opening for the next ejection time. That
 * ejection gets no jitter: jitter spreads ejections that begin together, and a lost lease's expiry
 * is tied to nothing else — while without a random draw every read of the future agrees with what
 * the step then writes.
 */
export function positionAfter(from: BreakerPosition, now: number, options: BreakerOptions): BreakerPosition {
  let { machine, ejectionCount, generation } = from;
  for (;;) {
    if (machine.state === 'open' && now >= machine.openUntil) {
      generation += 1;
      machine = halfOpenFrom(machine.openedAt, machine.openUntil, generation);
      continue;
    }
    if (machine.state === 'half_open' && machine.leases.length > 0) {
      const oldest = Math.min(...machine.leases.map((lease) => lease.issuedAt));
      const lostAt = oldest + options.halfOpen.trialTimeout;
      if (now >= lostAt) {
        ejectionCount = cappedEjectionCount(ejectionCount + 1, options);
        machine = {
          state: 'open',
          openedAt: lostAt,
          openUntil: lostAt + ejectionTimeOf(ejectionCount, options),
        };
        continue;
      }
    }
    return { machine, ejectionCount, generation };
  }
}

/** A fresh half-open period. */
export function halfOpenFrom(openedAt: number, since: number, generation: number): HalfOpenState {
  return {
    state: 'half_open',
    openedAt,
    since,
    generation,
    leases: [],
    issued: 0,
    trialSuccesses: 0,
    lastTrialAt: null,
  };
}

/** The ejection time for the `count`-th consecutive ejection, before jitter. */
export function ejectionTimeOf(count: number, options: BreakerOptions): number {
  const { baseTime, maxTime } = options.ejection;
  return Math.min(baseTime * count, maxTime);
}

/** Caps the multiplier where the time caps, so decay from the cap takes a bounded time. */
export function cappedEjectionCount(count: number, options: BreakerOptions): number {
  const { baseTime, maxTime } = options.ejection;
  return Math.min(count, Math.max(1, Math.ceil(maxTime / baseTime)));
}

/** A deep copy, so no reader can reach into a breaker's state. */
export function copyMachine(machine: BreakerState): BreakerState {
  if (machine.state !== 'half_open') return { ...machine };
  return { ...machine, leases: machine.leases.map((lease) => ({ ...lease })) };
}

/** A new breaker's machine: closed, never opened. */
export function closedFresh(): ClosedState {
  return { state: 'closed', since: null, healthySince: null, consecutiveFailures: 0, rampStartedAt: null };
}
