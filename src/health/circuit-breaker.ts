import { assertNever } from '../core/index.js';
import {
  type BreakerPosition,
  type BreakerState,
  cappedEjectionCount,
  closedFresh,
  copyMachine,
  ejectionTimeOf,
  type HalfOpenState,
  halfOpenFrom,
  positionAfter,
} from './breaker-machine.js';
import { type BreakerOptions, type BreakerOptionsInput, resolveBreakerOptions } from './breaker-options.js';
import type { BreakerTransitionKind } from './breaker-transition.js';
import type { Admission, DeploymentStatus } from './deployment-status.js';
import { configFaultOf, countsAsFailure, type DisableReason, type Outcome } from './outcome.js';
import type { WindowReader } from './outcome-window.js';
import { type TrialLease, type TrialVerdict, trialVerdictOf } from './trial-lease.js';

/** A breaker's whole state as plain JSON, for a shared (Redis) backend. */
export interface BreakerJSON {
  version: 2;
  machine: BreakerState;
  /** Ejection multiplier as of its last change (decay is computed from `machine.healthySince`). */
  ejectionCount: number;
  /** Half-open periods begun so far: the current one's generation while half-open. */
  generation: number;
  demoted: boolean;
  degraded: boolean;
  coolingUntil: number | null;
  disabled: DisableReason | null;
  drained: boolean;
  forced: boolean;
}

/**
 * The circuit breaker of one deployment (DESIGN.md §7). Time is passed in (`now`, `outcome.at`);
 * nothing here reads a clock or sets a timer.
 *
 * Reads ({@link status}, {@link canAdmit}, {@link state}, {@link admissionWeight}) never write: they
 * compute what the machine is at `now` — an ended ejection reads as half-open, a half-open period
 * whose trial lease is lost reads as open again — and leave the state as it was, so metrics, the
 * admin API and the status page cannot change health by looking at it. Time is written only by
 * {@link advance} (the explicit step the request path and the prober take) and by the writes
 * themselves, each of which first brings the machine to its `now`.
 *
 * Half-open trials are leases ({@link TrialLease}): each is settled once, by its outcome or as
 * abandoned; settling again, or after the period it belongs to ended, does nothing; one left
 * unsettled for `halfOpen.trialTimeout` fails the period, so nothing can hold a deployment half-open.
 *
 * Orthogonal to the machine: `cooling` (rate-limited, not a failure), `disabled` (config fault),
 * `drained` and `forced` (admin switches).
 */
export class CircuitBreaker {
  private options: BreakerOptions;
  private machine: BreakerState = closedFresh();
  private ejectionCount = 0;
  private generation = 0;
  private demoted = false;
  /**
   * The second of the last demotion check, and whether a failure came since (see {@link refresh}).
   * A cache, not state: it only saves window reads, and is not part of {@link toJSON}.
   */
  private refreshedSecond = -1;
  private failedSinceRefresh = false;
  private windowWasClean = false;
  private degraded = false;
  private coolingUntil: number | null = null;
  private disabled: DisableReason | null = null;
  private drained = false;
  private forced = false;
  /** Told of every ejection, restore and switch (see {@link observe}); not part of {@link toJSON}. */
  private observer: ((kind: Exclude<BreakerTransitionKind, 'reset'>) => void) | undefined;
  /**
   * Until when another replica runs this ejection's trials and health checks (see
   * {@link leaveTrialsElsewhere}); this replica's own decision, so not part of {@link toJSON}.
   */
  private trialsElsewhereUntil: number | null = null;

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
    if (json.version !== 2)
      throw new Error(`CircuitBreaker.fromJSON: unknown version ${String(json.version)}`);
    const breaker = new CircuitBreaker(options);
    breaker.machine = copyMachine(json.machine);
    breaker.ejectionCount = json.ejectionCount;
    breaker.generation = json.generation;
    breaker.demoted = json.demoted;
    breaker.degraded = json.degraded;
    breaker.coolingUntil = json.coolingUntil;
    breaker.disabled = json.disabled;
    breaker.drained = json.drained;
    breaker.forced = json.forced;
    return breaker;
  }

  /**
   * Sets the one listener told, synchronously and after the change, when the breaker opens
   * (`ejected`), closes after its trials (`restored`), or a drain, force-enable or disable switch
   * changes (`switched`). Time-driven steps (an ejection ending, a lost trial lease) are not told:
   * every replica with the same state takes them alike.
   */
  observe(observer: ((kind: Exclude<BreakerTransitionKind, 'reset'>) => void) | undefined): void {
    this.observer = observer;
  }

  /**
   * Takes on another replica's transition (DESIGN.md section 9) without telling the observer, so a
   * shared transition is never sent back. `ejected` / `restored` take its machine and ejection
   * multiplier; `switched` takes its drain, force and disable switches. The generation count stays
   * this breaker's own, so trial leases taken here before stay stale once the machine changes.
   */
  adopt(kind: Exclude<BreakerTransitionKind, 'reset'>, json: BreakerJSON): void {
    if (kind === 'switched') {
      this.drained = json.drained;
      this.forced = json.forced;
      this.disabled = json.disabled;
      return;
    }
    // A half-open machine holds the sender's own trial leases; it is never sent as a transition.
    if (json.machine.state === 'half_open') return;
    this.machine = copyMachine(json.machine);
    this.ejectionCount = json.ejectionCount;
    this.demoted = false;
    this.forgetDemotionCheck();
  }

  /**
   * Leaves the current ejection's half-open trials and health checks to another replica until
   * `until` (null: take them here again). Meanwhile this breaker admits nothing once the ejection
   * ends, as if still open, so a fleet of replicas sends one replica's trials to a sick host, not
   * one set per replica (DESIGN.md section 9). The other replica's restore or re-ejection reaches
   * this one as a transition; if none has come by `until`, this replica takes its own trials, so a
   * replica that died mid-ejection cannot hold the deployment out. Cleared by a reset; every new
   * ejection is assigned anew (src/health/redis-health-sync.ts).
   */
  leaveTrialsElsewhere(until: number | null): void {
    this.trialsElsewhereUntil = until;
  }

  /** Whether another replica runs the trials and health checks at `now` (see {@link leaveTrialsElsewhere}). */
  trialsElsewhere(now: number): boolean {
    return this.trialsElsewhereUntil !== null && now < this.trialsElsewhereUntil;
  }

  /** The whole state as plain JSON. */
  toJSON(): BreakerJSON {
    return {
      version: 2,
      machine: copyMachine(this.machine),
      ejectionCount: this.ejectionCount,
      generation: this.generation,
      demoted: this.demoted,
      degraded: this.degraded,
      coolingUntil: this.coolingUntil,
      disabled: this.disabled,
      drained: this.drained,
      forced: this.forced,
    };
  }

  /** The machine's state at `now` (an elapsed ejection reads as half-open). A pure read. */
  state(now: number): BreakerState {
    return copyMachine(this.positionAt(now).machine);
  }

  /**
   * Everything the router and status page need, at `now`. A pure read. With the deployment's
   * `window`, demotion is derived from it at `now`; without, it is the last write's verdict.
   */
  status(now: number, window?: WindowReader): DeploymentStatus {
    const position = this.positionAt(now);
    const machine = position.machine;
    const status: DeploymentStatus = {
      state: machine.state,
      admission: this.admissionOf(machine, now),
      demoted: this.demotedAt(machine, now, window),
      degraded: this.degraded,
      drained: this.drained,
      forced: this.forced,
      ejectionCount: this.ejectionCountOf(position, now),
      admissionWeight: this.weightOf(machine, now),
    };
    if (this.coolingUntil !== null && this.coolingUntil > now) status.coolingUntil = this.coolingUntil;
    if (this.disabled !== null) status.disabled = this.disabled;
    if (machine.state !== 'closed') status.openedAt = machine.openedAt;
    if (machine.state === 'open') status.openUntil = machine.openUntil;
    if (machine.state === 'half_open') status.trialsAvailable = this.freeTrials(machine, now);
    const elsewhere = this.trialsElsewhereUntil;
    if (machine.state !== 'closed' && elsewhere !== null && now < elsewhere)
      status.trialsElsewhereUntil = elsewhere;
    return status;
  }

  /**
   * Whether a request may go here now: `yes`; `trial` when half-open with a free trial slot (take
   * it with {@link acquireTrial}); `no` when drained, disabled, cooling, open or out of trial
   * slots. A forced deployment is always `yes`. A pure read.
   */
  canAdmit(now: number): Admission {
    return this.admissionOf(this.positionAt(now).machine, now);
  }

  /**
   * Share of its normal traffic a closed deployment takes now: the ramp after a restore
   * ({@link DEFAULT_RAMP}: 0.1 for 20 s, 0.5 until 60 s, then 1), 1 when not ramping, 0 when not closed.
   * Forced deployments take 1. The `degraded` halving is separate (see {@link DeploymentStatus}).
   * A pure read.
   */
  admissionWeight(now: number): number {
    return this.weightOf(this.positionAt(now).machine, now);
  }

  /**
   * The explicit step: writes what time did by `now` (an ended ejection becomes half-open, a lost
   * trial lease opens the breaker again) and re-derives demotion from `window`, which slides as time
   * passes. The request path takes it for the deployments it is about to rank, the prober for all.
   */
  advance(now: number, window: WindowReader): void {
    this.stepTo(now);
    this.refresh(now, window);
  }

  /**
   * Takes a trial slot while half-open: the lease to settle once the attempt ends, or `undefined`
   * when not half-open or out of slots.
   */
  acquireTrial(now: number): TrialLease | undefined {
    this.stepTo(now);
    const machine = this.machine;
    if (machine.state !== 'half_open' || this.freeTrials(machine, now) === 0) return undefined;
    const lease: TrialLease = { generation: machine.generation, token: machine.issued, issuedAt: now };
    machine.issued += 1;
    machine.leases.push({ token: lease.token, issuedAt: now });
    machine.lastTrialAt = now;
    return lease;
  }

  /**
   * Settles a trial lease: `succeeded` counts towards closing (all `halfOpen.trials` must), `failed`
   * opens the breaker again for the next ejection time, `abandoned` only frees the slot. Says
   * whether it counted: a lease already settled, lost (`trialTimeout` passed), or from a half-open
   * period that has ended (the breaker closed, re-opened or was reset since) changes nothing.
   * An attempt that has an outcome settles its lease through {@link onOutcome} instead, so the
   * outcome and the verdict are one event.
   */
  settleTrial(lease: TrialLease, verdict: TrialVerdict, now: number): boolean {
    this.stepTo(now);
    const machine = this.machine;
    if (machine.state !== 'half_open' || machine.generation !== lease.generation) return false;
    const index = machine.leases.findIndex((outstanding) => outstanding.token === lease.token);
    if (index === -1) return false;
    machine.leases.splice(index, 1);
    switch (verdict) {
      case 'succeeded':
        machine.trialSuccesses += 1;
        if (machine.trialSuccesses >= this.options.halfOpen.trials) this.close(now);
        return true;
      case 'failed':
        this.open(now, this.ejectionCount + 1);
        return true;
      case 'abandoned':
        return true;
      default:
        return assertNever(verdict);
    }
  }

  /** Notes that an active health check was sent during the current ejection. */
  markChecked(now: number): void {
    this.stepTo(now);
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
    this.stepTo(now);
    const machine = this.machine;
    if (machine.state !== 'open') return;
    this.generation += 1;
    this.machine = halfOpenFrom(machine.openedAt, now, this.generation);
  }

  /**
   * Feeds one outcome. `window` is the deployment's outcome window, already holding this outcome;
   * the breaker reads its strategy's windows from it, clipped to the time since it last closed so
   * that the failures which caused an ejection do not count again after the restore. `lease` is the
   * trial lease the attempt was sent under: the outcome settles it ({@link trialVerdictOf}), once.
   */
  onOutcome(outcome: Outcome, window: WindowReader, lease?: TrialLease): void {
    const now = outcome.at;
    this.stepTo(now);
    const settled = lease !== undefined && this.settleTrial(lease, trialVerdictOf(outcome.result), now);
    const configFault = configFaultOf(outcome.result);
    if (configFault !== undefined) {
      if (this.options.disableOnConfigFault) this.setSwitches({ disabled: configFault });
      return;
    }
    if (outcome.result === 'rate_limited') {
      this.coolDown(now + (outcome.retryAfterMs ?? this.options.coolDown.defaultMs), now);
      return;
    }
    // The trial's verdict is all a trial's outcome tells the machine: counting it again below as a
    // closed-state success (after the trial that closed it) would count one attempt twice.
    if (settled) return;
    const failed = countsAsFailure(outcome.result);
    const machine = this.machine;
    switch (machine.state) {
      case 'closed': {
        if (outcome.result === 'success') machine.consecutiveFailures = 0;
        if (failed) {
          this.failedSinceRefresh = true;
          this.ejectionCount = this.ejectionCountOf(this.position(), now);
          machine.healthySince = now;
          machine.consecutiveFailures += 1;
          const stats = window.read(this.clip(machine, now, this.options.strategy.ejectionWindowMs));
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
      case 'half_open':
        // Only trials decide, each through its own live lease. An outcome without one is a request
        // sent before the ejection, a health check, or a trial whose lease is stale: not a verdict.
        return;
      default:
        assertNever(machine);
    }
  }

  /**
   * Failures seen elsewhere were added to the window ({@link OutcomeWindow.merge}): the next
   * demotion check reads it afresh instead of trusting that a clean window stayed clean.
   */
  noteFailuresElsewhere(): void {
    this.failedSinceRefresh = true;
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
    this.setSwitches({ disabled: reason });
  }

  /** Clears a config-fault disable. */
  enable(): void {
    this.setSwitches({ disabled: null });
  }

  /** Admin: admit nothing (unless forced) until {@link undrain}. */
  drain(): void {
    this.setSwitches({ drained: true });
  }

  /** Admin: ends a drain. */
  undrain(): void {
    this.setSwitches({ drained: false });
  }

  /**
   * Admin: always admit, whatever the health; outcomes still drive the machine underneath (while
   * half-open, through the prober's trials: forced traffic takes no trial lease).
   */
  forceEnable(): void {
    this.setSwitches({ forced: true });
  }

  /** Admin: ends a force-enable. */
  clearForce(): void {
    this.setSwitches({ forced: false });
  }

  /** Sets admin and config-fault switches, telling the observer when one changed. */
  private setSwitches(next: { drained?: boolean; forced?: boolean; disabled?: DisableReason | null }): void {
    const before = [this.drained, this.forced, this.disabled];
    if (next.drained !== undefined) this.drained = next.drained;
    if (next.forced !== undefined) this.forced = next.forced;
    if (next.disabled !== undefined) this.disabled = next.disabled;
    if (before[0] !== this.drained || before[1] !== this.forced || before[2] !== this.disabled)
      this.observer?.('switched');
  }

  /**
   * Back to a clean closed breaker, as if new (admin switches, cooling and disable cleared too).
   * Trial leases still out become stale: the generation count is kept, so no lease taken before
   * the reset can ever match a later half-open period.
   */
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
    this.trialsElsewhereUntil = null;
    this.forgetDemotionCheck();
    this.degraded = false;
    this.coolingUntil = null;
    this.disabled = null;
    this.drained = false;
    this.forced = false;
  }

  /** The ejection time for the `count`-th consecutive ejection, before jitter. */
  ejectionTime(count: number): number {
    return ejectionTimeOf(count, this.options);
  }

  private position(): BreakerPosition {
    return { machine: this.machine, ejectionCount: this.ejectionCount, generation: this.generation };
  }

  /** Where time has taken the machine by `now`, without writing it. */
  private positionAt(now: number): BreakerPosition {
    return positionAfter(this.position(), now, this.options);
  }

  /** Writes where time has taken the machine by `now`. */
  private stepTo(now: number): void {
    const next = this.positionAt(now);
    if (next.machine === this.machine) return;
    this.machine = next.machine;
    this.ejectionCount = next.ejectionCount;
    this.generation = next.generation;
    this.demoted = false;
  }

  /** Re-derives `demoted` from the window (windows slide as time passes). */
  private refresh(now: number, window: WindowReader): void {
    const machine = this.machine;
    if (machine.state !== 'closed') {
      this.demoted = false;
      return;
    }
    // Reading a minute of buckets costs more than the rest of routing, and status is asked several
    // times per request. A window without failures cannot demote, whatever successes come, so in
    // that (healthy, hot) case the check runs at most once per second and at once after a failure.
    const second = Math.floor(now / 1000);
    if (second === this.refreshedSecond && !this.failedSinceRefresh && this.windowWasClean) return;
    const stats = window.read(this.clip(machine, now, this.options.strategy.demotionWindowMs));
    this.refreshedSecond = second;
    this.failedSinceRefresh = false;
    this.windowWasClean = stats.failures === 0;
    this.demoted = this.options.strategy.isDemoted(stats);
  }

  /**
   * Demotion at `now`, without writing. When the last check found no failure in the window and none
   * came since, its "not demoted" holds for good (failures only leave a window as it slides), which
   * is the healthy, hot case; otherwise the window is read afresh.
   */
  private demotedAt(machine: BreakerState, now: number, window: WindowReader | undefined): boolean {
    if (machine.state !== 'closed') return false;
    if (window === undefined) return this.demoted;
    if (this.windowWasClean && !this.failedSinceRefresh) return this.demoted;
    return this.options.strategy.isDemoted(
      window.read(this.clip(machine, now, this.options.strategy.demotionWindowMs)),
    );
  }

  private forgetDemotionCheck(): void {
    this.refreshedSecond = -1;
    this.failedSinceRefresh = false;
    this.windowWasClean = false;
  }

  private admissionOf(machine: BreakerState, now: number): Admission {
    if (this.forced) return 'yes';
    if (this.drained || this.disabled !== null) return 'no';
    if (this.coolingUntil !== null && this.coolingUntil > now) return 'no';
    switch (machine.state) {
      case 'closed':
        return 'yes';
      case 'open':
        return 'no';
      case 'half_open':
        return this.freeTrials(machine, now) > 0 ? 'trial' : 'no';
      default:
        return assertNever(machine);
    }
  }

  private weightOf(machine: BreakerState, now: number): number {
    if (this.forced) return 1;
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

  private close(now: number): void {
    this.machine = {
      state: 'closed',
      since: now,
      healthySince: now,
      consecutiveFailures: 0,
      rampStartedAt: now,
    };
    this.demoted = false;
    this.forgetDemotionCheck();
    this.observer?.('restored');
  }

  private open(now: number, count: number): void {
    this.ejectionCount = cappedEjectionCount(count, this.options);
    const duration =
      this.ejectionTime(this.ejectionCount) * (1 + this.options.ejection.jitter * this.options.random());
    this.machine = { state: 'open', openedAt: now, openUntil: now + duration };
    this.demoted = false;
    this.forgetDemotionCheck();
    this.observer?.('ejected');
  }

  private ejectionCountOf(position: BreakerPosition, now: number): number {
    const machine = position.machine;
    if (machine.state !== 'closed' || machine.healthySince === null) return position.ejectionCount;
    // A restore adopted from a replica whose clock is ahead starts its healthy stretch in this
    // replica's future: nothing has decayed yet, and the multiplier must not grow from it.
    const healthyFor = Math.max(0, now - machine.healthySince);
    const decayed = Math.floor(healthyFor / this.options.ejection.decayInterval);
    return Math.max(0, position.ejectionCount - decayed);
  }

  private freeTrials(machine: HalfOpenState, now: number): number {
    if (this.trialsElsewhere(now)) return 0;
    return Math.max(0, this.options.halfOpen.trials - machine.leases.length - machine.trialSuccesses);
  }

  private clip(machine: BreakerState, now: number, windowMs: number): number {
    if (machine.state !== 'closed' || machine.since === null) return windowMs;
    // Whole seconds from the one it closed in up to the current one, as the window counts them.
    const sinceClose = (Math.floor(now / 1000) - Math.floor(machine.since / 1000) + 1) * 1000;
    return Math.min(windowMs, sinceClose);
  }
}
