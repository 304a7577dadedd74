import { assertNever } from '../core/index.js';
import { type BreakerOptions, type BreakerOptionsInput, resolveBreakerOptions } from './breaker-options.js';
import type { Admission, DeploymentStatus } from './deployment-status.js';
import { configFaultOf, countsAsFailure, type DisableReason, type Outcome } from './outcome.js';
import type { WindowReader } from './outcome-window.js';

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

/** Half-open: the ejection time passed; a few trial requests decide. */
export interface HalfOpenState {
  state: 'half_open';
  /** When the ejection that led here began (for the panic choice: ejected longest ago). */
  openedAt: number;
  /** When it became half-open (the end of the ejection). */
  since: number;
  trialsInFlight: number;
  trialSuccesses: number;
  /** When the last trial slot was taken; `null` if none yet. */
  lastTrialAt: number | null;
}

/** The state machine's position; each state holds only its own fields. */
export type BreakerState = ClosedState | OpenState | HalfOpenState;

/** A breaker's whole state as plain JSON, for a shared (Redis) backend. */
export interface BreakerJSON {
  version: 1;
  machine: BreakerState;
  /** Ejection multiplier as of its last change (decay is computed from `machine.healthySince`). */
  ejectionCount: number;
  demoted: boolean;
  degraded: boolean;
  coolingUntil: number | null;
  disabled: DisableReason | null;
  drained: boolean;
  forced: boolean;
}

/**
 * The circuit breaker of one deployment (DESIGN.md §7). Time is passed in (`now`, `outcome.at`);
 * nothing here reads a clock or sets a timer: open → half-open and the decay of the ejection
 * multiplier are computed from timestamps when the breaker is next asked.
 *
 * Orthogonal to the machine: `cooling` (rate-limited, not a failure), `disabled` (config fault),
 * `drained` and `forced` (admin switches).
 */
export class CircuitBreaker {
  private options: BreakerOptions;
  private machine: BreakerState = closedFresh();
  private ejectionCount = 0;
  private demoted = false;
  /** The second of the last demotion check, and whether a failure came since (see {@link refresh}). */
  private refreshedSecond = -1;
  private failedSinceRefresh = false;
  private windowWasClean = false;
  private degraded = false;
  private coolingUntil: number | null = null;
  private disabled: DisableReason | null = null;
  private drained = false;
  private forced = false;

  constructor(options: BreakerOptionsInput = {}) {
    this.options = resolveBreakerOptions(options);
  }

  /**
   * Replaces the knobs (a config reload) and keeps the state: an ejection in progress keeps its
   * end time, trials in flight stay counted, and the new thresholds apply from the next outcome.
   */
  reconfigure(options: BreakerOptionsInput): void {
    this.options = resolveBreakerOptions(options);
  }

  /** Rebuilds a breaker from {@link toJSON} output. */
  static fromJSON(json: BreakerJSON, options: BreakerOptionsInput = {}): CircuitBreaker {
    if (json.version !== 1)
      throw new Error(`CircuitBreaker.fromJSON: unknown version ${String(json.version)}`);
    const breaker = new CircuitBreaker(options);
    breaker.machine = { ...json.machine };
    breaker.ejectionCount = json.ejectionCount;
    breaker.demoted = json.demoted;
    breaker.degraded = json.degraded;
    breaker.coolingUntil = json.coolingUntil;
    breaker.disabled = json.disabled;
    breaker.drained = json.drained;
    breaker.forced = json.forced;
    return breaker;
  }

  /** The whole state as plain JSON. */
  toJSON(): BreakerJSON {
    return {
      version: 1,
      machine: { ...this.machine },
      ejectionCount: this.ejectionCount,
      demoted: this.demoted,
      degraded: this.degraded,
      coolingUntil: this.coolingUntil,
      disabled: this.disabled,
      drained: this.drained,
      forced: this.forced,
    };
  }

  /** The machine's state at `now` (an elapsed ejection reads as half-open). */
  state(now: number): BreakerState {
    this.settle(now);
    return { ...this.machine };
  }

  /** Everything the router and status page need, at `now`. */
  status(now: number): DeploymentStatus {
    this.settle(now);
    const machine = this.machine;
    const status: DeploymentStatus = {
      state: machine.state,
      admission: this.canAdmit(now),
      demoted: machine.state === 'closed' && this.demoted,
      degraded: this.degraded,
      drained: this.drained,
      forced: this.forced,
      ejectionCount: this.currentEjectionCount(now),
      admissionWeight: this.admissionWeight(now),
    };
    if (this.coolingUntil !== null && this.coolingUntil > now) status.coolingUntil = this.coolingUntil;
    if (this.disabled !== null) status.disabled = this.disabled;
    if (machine.state !== 'closed') status.openedAt = machine.openedAt;
    if (machine.state === 'open') status.openUntil = machine.openUntil;
    if (machine.state === 'half_open') status.trialsAvailable = this.freeTrials(machine);
    return status;
  }

  /**
   * Whether a request may go here now: `yes`; `trial` when half-open with a free trial slot (take
   * it with {@link tryAcquireTrial}); `no` when drained, disabled, cooling, open or out of trial
   * slots. A forced deployment is always `yes`.
   */
  canAdmit(now: number): Admission {
    this.settle(now);
    if (this.forced) return 'yes';
    if (this.drained || this.disabled !== null) return 'no';
    if (this.coolingUntil !== null && this.coolingUntil > now) return 'no';
    const machine = this.machine;
    switch (machine.state) {
      case 'closed':
        return 'yes';
      case 'open':
        return 'no';
      case 'half_open':
        return this.freeTrials(machine) > 0 ? 'trial' : 'no';
      default:
        return assertNever(machine);
    }
  }

  /**
   * Share of its normal traffic a closed deployment takes now: the ramp after a restore
   * ({@link DEFAULT_RAMP}: 0.1 for 20 s, 0.5 until 60 s, then 1), 1 when not ramping, 0 when not closed.
   * Forced deployments take 1. The `degraded` halving is separate (see {@link DeploymentStatus}).
   */
  admissionWeight(now: number): number {
    this.settle(now);
    if (this.forced) return 1;
    const machine = this.machine;
    if (machine.state !== 'closed') return 0;
    if (machine.rampStartedAt === null) return 1;
    const elapsed = now - machine.rampStartedAt;
    let weight = 1;
    for (const step of this.options.ramp) {
      if (step.fromMs <= elapsed) weight = step.weight;
      else break;
    }
    return weight;
  }

  /** Takes a trial slot while half-open; `true` means send this request as a trial. */
  tryAcquireTrial(now: number): boolean {
    this.settle(now);
    const machine = this.machine;
    if (machine.state !== 'half_open' || this.freeTrials(machine) === 0) return false;
    machine.trialsInFlight += 1;
    machine.lastTrialAt = now;
    return true;
  }

  /** Notes that an active health check was sent during the current ejection. */
  markChecked(now: number): void {
    this.settle(now);
    if (this.machine.state === 'open') this.machine = { ...this.machine, checkedAt: now };
  }

  /**
   * Ends the current ejection early because an active health check passed: the breaker goes
   * half-open now and the usual trials decide (Envoy: `successful_active_health_check_uneject_host`).
   * Without it a host that recovers a few seconds into a long ejection waits out the whole ejection,
   * however healthy it is. The ejection multiplier is kept, so a host that fails its trials again
   * is ejected for longer.
   */
  endEjectionEarly(now: number): void {
    this.settle(now);
    const machine = this.machine;
    if (machine.state !== 'open') return;
    this.machine = {
      state: 'half_open',
      openedAt: machine.openedAt,
      since: now,
      trialsInFlight: 0,
      trialSuccesses: 0,
      lastTrialAt: null,
    };
  }

  /**
   * Gives a trial slot back when its attempt ends (after {@link onOutcome} recorded the result,
   * or when the attempt was cancelled). A success keeps using a slot until the breaker closes.
   */
  releaseTrial(): void {
    const machine = this.machine;
    if (machine.state === 'half_open' && machine.trialsInFlight > 0) machine.trialsInFlight -= 1;
  }

  /**
   * Feeds one outcome. `window` is the deployment's outcome window, already holding this outcome;
   * the breaker reads its strategy's windows from it, clipped to the time since it last closed so
   * that the failures which caused an ejection do not count again after the restore.
   */
  onOutcome(outcome: Outcome, window: WindowReader): void {
    const now = outcome.at;
    this.settle(now);
    const configFault = configFaultOf(outcome.result);
    if (configFault !== undefined) {
      if (this.options.disableOnConfigFault) this.disabled = configFault;
      return;
    }
    if (outcome.result === 'rate_limited') {
      this.coolDown(now + (outcome.retryAfterMs ?? this.options.coolDown.defaultMs), now);
      return;
    }
    const failed = countsAsFailure(outcome.result);
    const succeeded = outcome.result === 'success';
    const machine = this.machine;
    switch (machine.state) {
      case 'closed': {
        if (succeeded) machine.consecutiveFailures = 0;
        if (failed) {
          this.failedSinceRefresh = true;
          this.ejectionCount = this.currentEjectionCount(now);
          machine.healthySince = now;
          machine.consecutiveFailures += 1;
          const stats = window.read(this.clip(now, this.options.strategy.ejectionWindowMs));
          if (this.options.strategy.shouldOpen({ consecutiveFailures: machine.consecutiveFailures, stats })) {
            this.open(now, this.ejectionCount + 1);
            return;
          }
        }
        this.refresh(now, window);
        return;
      }
      case 'open':
        // A late outcome of a request sent before the ejection: the ejection already says it all.
        return;
      case 'half_open': {
        if (failed) {
          this.open(now, this.ejectionCount + 1);
        } else if (succeeded) {
          machine.trialSuccesses += 1;
          if (machine.trialSuccesses >= this.options.halfOpen.trials) {
            this.machine = {
              state: 'closed',
              since: now,
              healthySince: now,
              consecutiveFailures: 0,
              rampStartedAt: now,
            };
            this.demoted = false;
          }
        }
        return;
      }
      default:
        assertNever(machine);
    }
  }

  /** Re-derives `demoted` from the window without a new outcome (windows slide as time passes). */
  refresh(now: number, window: WindowReader): void {
    this.settle(now);
    if (this.machine.state !== 'closed') {
      this.demoted = false;
      return;
    }
    // Reading a minute of buckets costs more than the rest of routing, and status is asked several
    // times per request. A window without failures cannot demote, whatever successes come, so in
    // that (healthy, hot) case the check runs at most once per second and at once after a failure.
    const second = Math.floor(now / 1000);
    if (second === this.refreshedSecond && !this.failedSinceRefresh && this.windowWasClean) return;
    const stats = window.read(this.clip(now, this.options.strategy.demotionWindowMs));
    this.refreshedSecond = second;
    this.failedSinceRefresh = false;
    this.windowWasClean = stats.failures === 0;
    this.demoted = this.options.strategy.isDemoted(stats);
  }

  /** Sets the slow-not-broken flag (from {@link detectSlowness}). */
  setDegraded(degraded: boolean): void {
    this.degraded = degraded;
  }

  /**
   * Rate-limited: admit nothing until `untilMs`, capped at `coolDown.maxMs` from `now`. Not a
   * failure: counts, breaker state and ejection multiplier are untouched. A later end wins.
   */
  coolDown(untilMs: number, now: number): void {
    const until = Math.min(untilMs, now + this.options.coolDown.maxMs);
    if (this.coolingUntil === null || this.coolingUntil <= now || until > this.coolingUntil) {
      this.coolingUntil = until;
    }
  }

  /** A config fault: admit nothing until {@link enable}. */
  disable(reason: DisableReason): void {
    this.disabled = reason;
  }

  /** Clears a config-fault disable. */
  enable(): void {
    this.disabled = null;
  }

  /** Admin: admit nothing (unless forced) until {@link undrain}. */
  drain(): void {
    this.drained = true;
  }

  /** Admin: ends a drain. */
  undrain(): void {
    this.drained = false;
  }

  /** Admin: always admit, whatever the health; outcomes still drive the machine underneath. */
  forceEnable(): void {
    this.forced = true;
  }

  /** Admin: ends a force-enable. */
  clearForce(): void {
    this.forced = false;
  }

  /** Back to a clean closed breaker, as if new (admin switches, cooling and disable cleared too). */
  reset(now: number): void {
    this.machine = {
      state: 'closed',
      since: now,
      healthySince: null,
      consecutiveFailures: 0,
      rampStartedAt: null,
    };
    this.ejectionCount = 0;
    this.demoted = false;
    this.refreshedSecond = -1;
    this.windowWasClean = false;
    this.degraded = false;
    this.coolingUntil = null;
    this.disabled = null;
    this.drained = false;
    this.forced = false;
  }

  /** The ejection time for the `count`-th consecutive ejection, before jitter. */
  ejectionTime(count: number): number {
    const { baseTime, maxTime } = this.options.ejection;
    return Math.min(baseTime * count, maxTime);
  }

  private open(now: number, count: number): void {
    const { jitter, baseTime, maxTime } = this.options.ejection;
    // Cap the multiplier where the time caps, so decay from the cap takes a bounded time.
    this.ejectionCount = Math.min(count, Math.max(1, Math.ceil(maxTime / baseTime)));
    const duration = this.ejectionTime(this.ejectionCount) * (1 + jitter * this.options.random());
    this.machine = { state: 'open', openedAt: now, openUntil: now + duration };
    this.demoted = false;
  }

  private settle(now: number): void {
    const machine = this.machine;
    if (machine.state === 'open' && now >= machine.openUntil) {
      this.machine = {
        state: 'half_open',
        openedAt: machine.openedAt,
        since: machine.openUntil,
        trialsInFlight: 0,
        trialSuccesses: 0,
        lastTrialAt: null,
      };
    }
  }

  private currentEjectionCount(now: number): number {
    const machine = this.machine;
    if (machine.state !== 'closed' || machine.healthySince === null) return this.ejectionCount;
    const decayed = Math.floor((now - machine.healthySince) / this.options.ejection.decayInterval);
    return Math.max(0, this.ejectionCount - decayed);
  }

  private freeTrials(machine: HalfOpenState): number {
    return Math.max(0, this.options.halfOpen.trials - machine.trialsInFlight - machine.trialSuccesses);
  }

  private clip(now: number, windowMs: number): number {
    const machine = this.machine;
    if (machine.state !== 'closed' || machine.since === null) return windowMs;
    // Whole seconds from the one it closed in up to the current one, as the window counts them.
    const sinceClose = (Math.floor(now / 1000) - Math.floor(machine.since / 1000) + 1) * 1000;
    return Math.min(windowMs, sinceClose);
  }
}

function closedFresh(): ClosedState {
  return { state: 'closed', since: null, healthySince: null, consecutiveFailures: 0, rampStartedAt: null };
}
