import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { BreakerOptionsInput } from './breaker-options.js';
import { type BreakerJSON, CircuitBreaker } from './circuit-breaker.js';
import type { OutcomeResult } from './outcome.js';
import { OutcomeWindow } from './outcome-window.js';
import type { TrialLease } from './trial-lease.js';

const START = 1_700_000_000_000;

function setup(options: BreakerOptionsInput = {}) {
  const clock = new ManualClock(START);
  const window = new OutcomeWindow({ clock });
  const breaker = new CircuitBreaker({ random: () => 0, ...options });
  /** Records an outcome; `lease` when the attempt was a trial. */
  const record = (result: OutcomeResult, extra: { retryAfterMs?: number } = {}, lease?: TrialLease) => {
    const outcome = { deploymentId: 'd', at: clock.now(), result, latencyMs: 50, ...extra };
    window.record(outcome);
    breaker.onOutcome(outcome, window, lease);
  };
  /** Takes a trial lease, which must be available. */
  const lease = () => {
    const taken = breaker.acquireTrial(clock.now());
    if (taken === undefined) throw new Error('no trial slot');
    return taken;
  };
  /** One trial attempt that ends as `result`. */
  const trial = (result: OutcomeResult) => record(result, {}, lease());
  const now = () => clock.now();
  /** Opens the breaker with five failures in a row. */
  const eject = () => {
    for (let index = 0; index < 5; index++) record('server_error');
  };
  /** Moves to the end of the current ejection. */
  const waitOutEjection = () => {
    const until = breaker.status(now()).openUntil;
    if (until === undefined) throw new Error('not open');
    clock.set(until);
  };
  /** Half-open → closed with three good trials. */
  const passTrials = () => {
    for (let index = 0; index < 3; index++) trial('success');
  };
  return { clock, window, breaker, record, lease, trial, now, eject, waitOutEjection, passTrials };
}

describe('CircuitBreaker', () => {
  it('ends an ejection early when a health check passes, keeping the multiplier', () => {
    const { breaker, clock, eject, now, trial } = setup();
    eject();
    clock.advance(10_000);
    breaker.endEjectionEarly(now());
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', ejectionCount: 1 });
    // A failed trial now ejects for the next, longer time.
    trial('server_error');
    expect(breaker.status(now())).toMatchObject({ state: 'open', ejectionCount: 2 });
  });

  it('leaves the trials to another replica until the hold ends, then takes its own', () => {
    const { breaker, clock, eject, waitOutEjection, now } = setup();
    eject();
    const until = (breaker.status(now()).openUntil as number) + 30_000;
    breaker.leaveTrialsElsewhere(until);
    expect(breaker.status(now()).trialsElsewhereUntil).toBe(until);
    waitOutEjection();
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', admission: 'no', trialsAvailable: 0 });
    expect(breaker.acquireTrial(now())).toBeUndefined();
    expect(breaker.trialsElsewhere(until - 1)).toBe(true);
    clock.set(until);
    expect(breaker.trialsElsewhere(now())).toBe(false);
    expect(breaker.status(now())).toMatchObject({ admission: 'trial', trialsAvailable: 3 });
    expect(breaker.status(now()).trialsElsewhereUntil).toBeUndefined();
  });

  it('forgets a hold on trials when it is reset, and a hold says nothing while closed', () => {
    const { breaker, eject, waitOutEjection, now } = setup();
    breaker.leaveTrialsElsewhere(now() + 1_000_000);
    expect(breaker.status(now())).toMatchObject({ state: 'closed', admission: 'yes' });
    expect(breaker.status(now()).trialsElsewhereUntil).toBeUndefined();
    breaker.reset(now());
    eject();
    waitOutEjection();
    expect(breaker.status(now())).toMatchObject({ admission: 'trial', trialsAvailable: 3 });
  });

  it('ignores an early end when it is not open', () => {
    const { breaker, now } = setup();
    breaker.endEjectionEarly(now());
    expect(breaker.status(now()).state).toBe('closed');
  });

  it('takes another replica’s ejection or restore with its multiplier, and drops its own demotion', () => {
    const { clock, breaker, record, now } = setup();
    for (let index = 0; index < 20; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.status(now()).demoted).toBe(true);
    const other = setup();
    other.eject();
    breaker.adopt('ejected', other.breaker.toJSON());
    expect(breaker.status(now())).toMatchObject({ state: 'open', demoted: false, ejectionCount: 1 });
    other.waitOutEjection();
    other.passTrials();
    breaker.adopt('restored', other.breaker.toJSON());
    // This replica's clock is still at the ejection's start, the restoring one's half a minute on:
    // the healthy stretch starts in this replica's future, which must not raise the multiplier.
    expect(other.now() - now()).toBe(30_000);
    expect(breaker.status(now())).toMatchObject({ state: 'closed', demoted: false, ejectionCount: 1 });
    clock.set(other.now() + 10_000);
    expect(breaker.status(now()).ejectionCount).toBe(0);
  });

  it('never adopts a half-open machine: its leases are the sender’s own', () => {
    const { breaker, now } = setup();
    const other = setup();
    other.eject();
    other.waitOutEjection();
    other.lease(); // steps the other breaker into half-open
    const json = other.breaker.toJSON();
    expect(json.machine.state).toBe('half_open');
    breaker.adopt('ejected', json);
    expect(breaker.status(now())).toMatchObject({ state: 'closed', ejectionCount: 0 });
  });

  it('starts closed, admitting at full weight', () => {
    const { breaker, now } = setup();
    expect(breaker.status(now())).toEqual({
      state: 'closed',
      admission: 'yes',
      demoted: false,
      degraded: false,
      drained: false,
      forced: false,
      ejectionCount: 0,
      admissionWeight: 1,
    });
  });

  it('opens on the fifth consecutive failure, not the fourth', () => {
    const { breaker, record, now } = setup();
    for (let index = 0; index < 4; index++) record('timeout');
    expect(breaker.status(now()).state).toBe('closed');
    record('transport');
    const status = breaker.status(now());
    expect(status.state).toBe('open');
    expect(status.admission).toBe('no');
    expect(status.ejectionCount).toBe(1);
  });

  it('restarts the consecutive count after a success', () => {
    const { breaker, record, now } = setup();
    for (let index = 0; index < 4; index++) record('server_error');
    record('success');
    for (let index = 0; index < 4; index++) record('server_error');
    expect(breaker.status(now()).state).toBe('closed');
  });

  it('opens on a 50 % failure rate over 20 calls but not over 19', () => {
    const { clock, breaker, record, now } = setup();
    // F S F S ... F: 10 failures in 19 calls, never two in a row.
    for (let index = 0; index < 19; index++) {
      record(index % 2 === 0 ? 'overloaded' : 'success');
      clock.advance(1000);
    }
    expect(breaker.status(now()).state).toBe('closed');
    record('overloaded');
    expect(breaker.status(now()).state).toBe('open');
  });

  it('only counts calls within the ejection window', () => {
    const { clock, breaker, record, now } = setup();
    for (let index = 0; index < 19; index++) {
      record(index % 2 === 0 ? 'overloaded' : 'success');
      clock.advance(1000);
    }
    clock.advance(60_000);
    record('overloaded');
    expect(breaker.status(now()).state).toBe('closed');
  });

  it('demotes at a 20 % failure rate with 20 calls, and not with 19', () => {
    const { breaker, record, now } = setup();
    for (let index = 0; index < 19; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.status(now())).toMatchObject({ state: 'closed', demoted: false });
    record('success');
    // 4 failures in 20 calls.
    expect(breaker.status(now())).toMatchObject({ state: 'closed', demoted: true, admission: 'yes' });
  });

  it('lifts the demotion at the explicit step once the failures leave the window', () => {
    const { clock, window, breaker, record, now } = setup();
    for (let index = 0; index < 20; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.status(now()).demoted).toBe(true);
    clock.advance(61_000);
    breaker.advance(now(), window);
    expect(breaker.status(now()).demoted).toBe(false);
  });

  it('never counts rate limits, quota, auth or not_found as failures', () => {
    const { breaker, record, now, window } = setup();
    for (const result of ['rate_limited', 'quota', 'auth', 'not_found', 'client_error'] as const) {
      for (let index = 0; index < 30; index++) record(result);
    }
    const status = breaker.status(now());
    expect(status.state).toBe('closed');
    expect(status.ejectionCount).toBe(0);
    expect(status.demoted).toBe(false);
    expect(window.read(60_000).failures).toBe(0);
  });

  it('ejects for 30 s × consecutive ejections, capped at 300 s', () => {
    const { breaker, trial, now, eject, waitOutEjection } = setup();
    eject();
    const durations: number[] = [];
    for (let round = 0; round < 12; round++) {
      const status = breaker.status(now());
      durations.push(status.openUntil! - status.openedAt!);
      waitOutEjection();
      trial('server_error');
    }
    expect(durations).toEqual([
      30_000, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000, 270_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('adds at most 10 % jitter to the ejection time', () => {
    const { breaker, now, eject } = setup({ random: () => 0.999 });
    eject();
    const status = breaker.status(now());
    const duration = status.openUntil! - status.openedAt!;
    expect(duration).toBeGreaterThan(30_000);
    expect(duration).toBeLessThanOrEqual(33_000);
  });

  it('becomes half-open when the ejection time has passed, and admits exactly 3 trials at once', () => {
    const { clock, breaker, now, eject, waitOutEjection } = setup();
    eject();
    clock.set(breaker.status(now()).openUntil! - 1);
    expect(breaker.canAdmit(now())).toBe('no');
    expect(breaker.acquireTrial(now())).toBeUndefined();
    waitOutEjection();
    expect(breaker.status(now())).toMatchObject({
      state: 'half_open',
      admission: 'trial',
      trialsAvailable: 3,
    });
    const leases = [1, 2, 3, 4].map(() => breaker.acquireTrial(now()));
    expect(leases.map((taken) => taken !== undefined)).toEqual([true, true, true, false]);
    expect(breaker.canAdmit(now())).toBe('no');
    expect(breaker.settleTrial(leases[0]!, 'abandoned', now())).toBe(true);
    expect(breaker.canAdmit(now())).toBe('trial');
  });

  it('closes after 3 of 3 good trials and ramps traffic 10 % → 50 % → 100 % over 60 s', () => {
    const { clock, breaker, now, eject, waitOutEjection, passTrials } = setup();
    eject();
    waitOutEjection();
    passTrials();
    const closedAt = now();
    expect(breaker.status(now())).toMatchObject({ state: 'closed', admission: 'yes', admissionWeight: 0.1 });
    const weightAt = (elapsed: number) => {
      clock.set(closedAt + elapsed);
      return breaker.admissionWeight(now());
    };
    expect([0, 19_999, 20_000, 59_999, 60_000, 600_000].map(weightAt)).toEqual([0.1, 0.1, 0.5, 0.5, 1, 1]);
  });

  it('does not close until the third trial succeeds', () => {
    const { breaker, trial, now, eject, waitOutEjection } = setup();
    eject();
    waitOutEjection();
    for (let index = 0; index < 2; index++) trial('success');
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
  });

  it('reopens for a longer time when a trial fails', () => {
    const { breaker, trial, now, eject, waitOutEjection } = setup();
    eject();
    waitOutEjection();
    trial('success');
    trial('timeout');
    const status = breaker.status(now());
    expect(status.state).toBe('open');
    expect(status.ejectionCount).toBe(2);
    expect(status.openUntil! - now()).toBe(60_000);
  });

  it('does not count the failures that caused an ejection again after the restore', () => {
    const { clock, breaker, record, now, passTrials } = setup();
    // 20 calls at 50 %: ejected by rate, not by a streak.
    for (let index = 0; index < 20; index++) record(index % 2 === 1 ? 'server_error' : 'success');
    expect(breaker.status(now()).state).toBe('open');
    clock.set(breaker.status(now()).openUntil!);
    passTrials();
    clock.advance(1000);
    record('server_error');
    expect(breaker.status(now())).toMatchObject({ state: 'closed', demoted: false });
  });

  it('demotes again on failures after the restore, counting the seconds since it closed', () => {
    const { clock, window, breaker, record, now, passTrials } = setup();
    for (let index = 0; index < 20; index++) record(index % 2 === 1 ? 'server_error' : 'success');
    clock.set(breaker.status(now()).openUntil!);
    passTrials();
    // In the second it closed: 5 failures among 5 successes; then a success a second for 10 s.
    for (let index = 0; index < 10; index++) record(index % 2 === 0 ? 'server_error' : 'success');
    for (let index = 0; index < 10; index++) {
      clock.advance(1000);
      record('success');
    }
    // 5 failures in 23 calls since the close (the 3 trials included), the first of them 10 s ago.
    expect(breaker.status(now())).toMatchObject({ state: 'closed', demoted: true });
    expect(breaker.status(now(), window)).toMatchObject({ state: 'closed', demoted: true });
  });

  it('decays the ejection multiplier by one per healthy 10 s', () => {
    const { clock, breaker, trial, now, eject, waitOutEjection, passTrials } = setup();
    eject();
    waitOutEjection();
    trial('server_error'); // second ejection: multiplier 2
    waitOutEjection();
    passTrials();
    const closedAt = now();
    expect(breaker.status(now()).ejectionCount).toBe(2);
    clock.set(closedAt + 9_999);
    expect(breaker.status(now()).ejectionCount).toBe(2);
    clock.set(closedAt + 10_000);
    expect(breaker.status(now()).ejectionCount).toBe(1);
    clock.set(closedAt + 20_000);
    expect(breaker.status(now()).ejectionCount).toBe(0);
    clock.set(closedAt + 120_000);
    expect(breaker.status(now()).ejectionCount).toBe(0);
    eject();
    const status = breaker.status(now());
    expect(status.openUntil! - status.openedAt!).toBe(30_000);
  });

  it('restarts the decay at each failure, so a quick relapse ejects for longer', () => {
    const { clock, breaker, record, now, eject, waitOutEjection, passTrials } = setup();
    eject();
    waitOutEjection();
    passTrials();
    clock.advance(5_000);
    record('server_error');
    clock.advance(9_000); // 14 s after the close, but only 9 s since the last failure
    expect(breaker.status(now()).ejectionCount).toBe(1);
    for (let index = 0; index < 4; index++) record('server_error');
    const status = breaker.status(now());
    expect(status.ejectionCount).toBe(2);
    expect(status.openUntil! - status.openedAt!).toBe(60_000);
  });

  it('cools down on a rate limit, admits nothing until then, and leaves counts untouched', () => {
    const { clock, window, breaker, record, now } = setup();
    record('success');
    record('rate_limited', { retryAfterMs: 10_000 });
    const coolingEnd = now() + 10_000;
    expect(breaker.status(now())).toMatchObject({
      state: 'closed',
      admission: 'no',
      coolingUntil: coolingEnd,
      ejectionCount: 0,
    });
    clock.set(coolingEnd - 1);
    expect(breaker.canAdmit(now())).toBe('no');
    clock.set(coolingEnd);
    expect(breaker.canAdmit(now())).toBe('yes');
    expect(breaker.status(now()).coolingUntil).toBeUndefined();
    expect(window.read(60_000)).toMatchObject({ failures: 0, successes: 1, total: 2 });
    expect(window.consecutiveFailures).toBe(0);
  });

  it('caps a cool-down at 60 s from now and uses the default without an advertised wait', () => {
    const { breaker, record, now } = setup();
    breaker.coolDown(now() + 3_600_000, now());
    expect(breaker.status(now()).coolingUntil).toBe(now() + 60_000);
    const other = setup();
    other.record('rate_limited');
    expect(other.breaker.status(other.now()).coolingUntil).toBe(other.now() + 1000);
    record('success');
  });

  it('disables on a config fault until enabled', () => {
    const { breaker, record, now } = setup();
    record('auth');
    expect(breaker.status(now())).toMatchObject({ disabled: 'auth', admission: 'no', state: 'closed' });
    breaker.enable();
    expect(breaker.canAdmit(now())).toBe('yes');
    breaker.disable('quota');
    expect(breaker.status(now()).disabled).toBe('quota');
  });

  it('drains and undrains', () => {
    const { breaker, now } = setup();
    breaker.drain();
    expect(breaker.status(now())).toMatchObject({ drained: true, admission: 'no' });
    breaker.undrain();
    expect(breaker.canAdmit(now())).toBe('yes');
  });

  it('admits a forced deployment whatever its state, until the force is cleared', () => {
    const { breaker, now, eject } = setup();
    eject();
    breaker.drain();
    breaker.forceEnable();
    expect(breaker.status(now())).toMatchObject({
      state: 'open',
      forced: true,
      admission: 'yes',
      admissionWeight: 1,
    });
    breaker.clearForce();
    expect(breaker.canAdmit(now())).toBe('no');
  });

  it('resets to a clean closed state', () => {
    const { breaker, now, eject } = setup();
    eject();
    breaker.drain();
    breaker.coolDown(now() + 5000, now());
    breaker.setDegraded(true);
    breaker.reset(now());
    expect(breaker.status(now())).toMatchObject({
      state: 'closed',
      admission: 'yes',
      ejectionCount: 0,
      drained: false,
      demoted: false,
      degraded: false,
      admissionWeight: 1,
    });
  });

  it('forgets a demotion on reset', () => {
    const { breaker, record, now } = setup();
    for (let index = 0; index < 20; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.status(now()).demoted).toBe(true);
    breaker.reset(now());
    expect(breaker.status(now()).demoted).toBe(false);
  });

  it('keeps a demotion through a step in which nothing changes', () => {
    const { breaker, record, now } = setup();
    for (let index = 0; index < 20; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.acquireTrial(now())).toBeUndefined(); // steps to now: still closed
    expect(breaker.status(now()).demoted).toBe(true);
  });

  it('keeps the later end of two cool-downs', () => {
    const { breaker, now } = setup();
    breaker.coolDown(now() + 30_000, now());
    breaker.coolDown(now() + 10_000, now());
    expect(breaker.status(now()).coolingUntil).toBe(now() + 30_000);
    breaker.coolDown(now() + 50_000, now());
    expect(breaker.status(now()).coolingUntil).toBe(now() + 50_000);
  });

  it('tells its observer of a switch when only the force or the disable changed, and of nothing when none did', () => {
    const { breaker } = setup();
    const seen: string[] = [];
    breaker.observe((kind) => seen.push(kind));
    breaker.forceEnable();
    breaker.forceEnable();
    breaker.clearForce();
    expect(seen).toEqual(['switched', 'switched']);
    breaker.disable('auth');
    breaker.disable('auth');
    breaker.enable();
    expect(seen).toEqual(['switched', 'switched', 'switched', 'switched']);
  });

  it('leaves a deployment enabled on a config fault when disableOnConfigFault is off', () => {
    const { breaker, record, now } = setup({ disableOnConfigFault: false });
    record('auth');
    expect(breaker.status(now())).toMatchObject({ admission: 'yes' });
    expect(breaker.status(now()).disabled).toBeUndefined();
  });

  it('round-trips through JSON mid-ejection and carries on from the same instant', () => {
    const { clock, breaker, trial, now, eject, waitOutEjection } = setup();
    eject();
    waitOutEjection();
    trial('server_error'); // open again, multiplier 2
    clock.advance(15_000);
    const json = JSON.parse(JSON.stringify(breaker.toJSON())) as BreakerJSON;
    const restored = CircuitBreaker.fromJSON(json, { random: () => 0 });
    expect(restored.status(now())).toEqual(breaker.status(now()));
    expect(restored.status(now())).toMatchObject({ state: 'open', ejectionCount: 2 });
    clock.set(breaker.status(now()).openUntil!);
    expect(restored.canAdmit(now())).toBe('trial');
    expect(breaker.canAdmit(now())).toBe('trial');
    expect(restored.toJSON()).toEqual(breaker.toJSON());
  });

  it('refuses JSON of an unknown version', () => {
    const json = { ...new CircuitBreaker().toJSON(), version: 1 } as unknown as BreakerJSON;
    expect(() => CircuitBreaker.fromJSON(json)).toThrow(/unknown version/);
  });

  it('ignores late outcomes while open', () => {
    const { breaker, record, now, eject } = setup();
    eject();
    const before = breaker.status(now());
    record('success');
    record('server_error');
    expect(breaker.status(now())).toEqual(before);
  });

  it('takes its thresholds from the options', () => {
    const { breaker, record, now } = setup({ ejection: { consecutiveFailures: 2, baseTime: 200 } });
    record('server_error');
    record('server_error');
    const status = breaker.status(now());
    expect(status.state).toBe('open');
    expect(status.openUntil! - now()).toBe(200);
  });
});

describe('CircuitBreaker trial leases', () => {
  /** Ejected once (30 s, no jitter) and waited out: half-open, generation 1. */
  function halfOpen(options: BreakerOptionsInput = {}) {
    const context = setup(options);
    context.eject();
    context.waitOutEjection();
    return context;
  }

  it('closes after one success from each of `trials` leases, and abandoned leases only free their slot', () => {
    const { breaker, now, lease, record } = halfOpen();
    const first = lease();
    const second = lease();
    const third = lease();
    expect(breaker.canAdmit(now())).toBe('no');
    expect(breaker.settleTrial(third, 'abandoned', now())).toBe(true);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
    record('success', {}, first);
    record('success', {}, second);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
    record('success', {}, lease());
    expect(breaker.status(now())).toMatchObject({ state: 'closed', admission: 'yes', admissionWeight: 0.1 });
  });

  it('settles a lease once: settling it again, by outcome or by hand, counts nothing', () => {
    const { breaker, now, lease, record } = halfOpen();
    const only = lease();
    record('success', {}, only);
    expect(breaker.settleTrial(only, 'succeeded', now())).toBe(false);
    record('success', {}, only);
    expect(breaker.settleTrial(only, 'failed', now())).toBe(false);
    // One success in all: two slots are still free, and the failure settled nothing.
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 2 });
  });

  it('settles the very lease it is given: a settled one, settled again, never takes another’s place', () => {
    const { breaker, now, lease } = halfOpen();
    const first = lease();
    const second = lease();
    expect(breaker.settleTrial(first, 'succeeded', now())).toBe(true);
    // A failure on the settled lease must not count as the second lease's verdict.
    expect(breaker.settleTrial(first, 'failed', now())).toBe(false);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
    expect(breaker.settleTrial(second, 'succeeded', now())).toBe(true);
  });

  it('lets only trials decide a half-open breaker: outcomes without a lease move nothing', () => {
    const { breaker, now, record } = halfOpen();
    for (let index = 0; index < 3; index++) record('success');
    record('server_error');
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 3, ejectionCount: 1 });
  });

  it('frees the slot of a trial that ended in a rate limit, a config fault or a client error', () => {
    const { breaker, now, lease, record } = halfOpen({ disableOnConfigFault: false });
    record('rate_limited', { retryAfterMs: 1 }, lease());
    record('auth', {}, lease());
    record('client_error', {}, lease());
    expect(breaker.state(now() + 1)).toMatchObject({ state: 'half_open', leases: [], trialSuccesses: 0 });
  });

  it('ignores a lease of an earlier half-open period, after a re-open or a reset', () => {
    const { breaker, now, lease, trial, waitOutEjection, eject } = halfOpen();
    const stale = lease();
    trial('server_error'); // period 1 fails: open for 60 s
    waitOutEjection();
    const current = lease(); // period 2 hands out the same token again
    expect(current.token).toBe(stale.token);
    expect(current.generation).not.toBe(stale.generation);
    expect(breaker.settleTrial(stale, 'failed', now())).toBe(false);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 2, ejectionCount: 2 });

    breaker.reset(now());
    eject();
    waitOutEjection();
    const fresh = lease();
    expect(breaker.settleTrial(current, 'failed', now())).toBe(false);
    expect(breaker.settleTrial(fresh, 'failed', now())).toBe(true);
    expect(breaker.status(now()).state).toBe('open');
  });

  it('ignores a lease of an earlier half-open period after an early end, however the periods follow', () => {
    const { breaker, now, lease, trial, waitOutEjection } = halfOpen();
    const stale = lease(); // period 1, token 0
    trial('server_error');
    breaker.endEjectionEarly(now()); // period 2
    trial('server_error');
    waitOutEjection(); // period 3
    const current = lease();
    expect(current.token).toBe(stale.token);
    expect(breaker.settleTrial(stale, 'failed', now())).toBe(false);
    expect(breaker.status(now()).state).toBe('half_open');
  });

  it('opens again, for the next ejection time, once a lease has gone unsettled for trialTimeout', () => {
    const { breaker, clock, now, lease, window } = halfOpen({ halfOpen: { trialTimeout: 20_000 } });
    const lost = lease();
    clock.advance(5_000);
    const later = lease();
    clock.set(lost.issuedAt + 19_999);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
    clock.set(lost.issuedAt + 20_000);
    expect(breaker.status(now())).toMatchObject({
      state: 'open',
      admission: 'no',
      ejectionCount: 2,
      openedAt: lost.issuedAt + 20_000,
      openUntil: lost.issuedAt + 20_000 + 60_000,
    });
    breaker.advance(now(), window);
    expect(breaker.toJSON().machine).toEqual({
      state: 'open',
      openedAt: lost.issuedAt + 20_000,
      openUntil: lost.issuedAt + 80_000,
    });
    // Neither lease of the failed period counts any more, however it ends.
    expect(breaker.settleTrial(later, 'succeeded', now())).toBe(false);
    expect(breaker.settleTrial(lost, 'abandoned', now())).toBe(false);
    // After the longer ejection the trials start again, with fresh leases.
    clock.set(lost.issuedAt + 80_000);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 3 });
  });

  it('never takes a lease for lost while trials keep within trialTimeout', () => {
    const { breaker, clock, now, lease, record } = halfOpen({ halfOpen: { trialTimeout: 20_000 } });
    for (let index = 0; index < 2; index++) {
      const taken = lease();
      clock.advance(19_999);
      record('success', {}, taken);
    }
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
    // A half-open breaker with no lease out waits for trials, however long.
    clock.advance(3_600_000);
    expect(breaker.status(now())).toMatchObject({ state: 'half_open', trialsAvailable: 1 });
  });

  it('defaults trialTimeout to 120 s', () => {
    const { breaker, clock, now, lease } = halfOpen();
    const lost = lease();
    clock.set(lost.issuedAt + 119_999);
    expect(breaker.status(now()).state).toBe('half_open');
    clock.set(lost.issuedAt + 120_000);
    expect(breaker.status(now()).state).toBe('open');
  });

  it('round-trips outstanding leases through JSON: a lease taken before settles after', () => {
    const { breaker, now, lease } = halfOpen();
    const taken = lease();
    const restored = CircuitBreaker.fromJSON(JSON.parse(JSON.stringify(breaker.toJSON())) as BreakerJSON, {
      random: () => 0,
    });
    expect(restored.settleTrial(taken, 'failed', now())).toBe(true);
    expect(restored.status(now())).toMatchObject({ state: 'open', ejectionCount: 2 });
  });
});

describe('CircuitBreaker reads', () => {
  it('never write: status, canAdmit, state and admissionWeight at any time leave the JSON as it was', () => {
    const { breaker, clock, now, window, eject, lease } = setup({ halfOpen: { trialTimeout: 20_000 } });
    eject();
    const read = (at: number) => {
      breaker.status(at, window);
      breaker.status(at);
      breaker.canAdmit(at);
      breaker.state(at);
      breaker.admissionWeight(at);
    };
    const whileOpen = breaker.toJSON();
    for (const later of [0, 29_999, 30_000, 45_000, 600_000]) read(now() + later);
    expect(breaker.toJSON()).toEqual(whileOpen);
    // The ejection is over at 30 s: reads say half-open, and only the explicit step writes it.
    clock.advance(30_000);
    expect(breaker.status(now(), window)).toMatchObject({ state: 'half_open', admission: 'trial' });
    expect(breaker.toJSON().machine.state).toBe('open');
    breaker.advance(now(), window);
    expect(breaker.toJSON().machine).toMatchObject({ state: 'half_open', generation: 1, since: now() });

    // The same for a lease lost while half-open.
    lease();
    const withLease = breaker.toJSON();
    read(now() + 20_000);
    expect(breaker.state(now() + 20_000).state).toBe('open');
    expect(breaker.toJSON()).toEqual(withLease);
  });

  it('derive demotion from the window at the time asked, without writing it', () => {
    const { clock, window, breaker, record, now } = setup();
    for (let index = 0; index < 20; index++) record(index % 5 === 0 ? 'server_error' : 'success');
    expect(breaker.status(now(), window).demoted).toBe(true);
    clock.advance(61_000);
    const before = breaker.toJSON();
    expect(breaker.status(now(), window).demoted).toBe(false);
    // Without the window the last written verdict stands until a step.
    expect(breaker.status(now()).demoted).toBe(true);
    expect(breaker.toJSON()).toEqual(before);
    breaker.advance(now(), window);
    expect(breaker.toJSON().demoted).toBe(false);
  });
});
