import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from './memory-health-store.js';
import type { OutcomeResult } from './outcome.js';

const START = 1_700_000_000_000;

function setup() {
  const clock = new ManualClock(START);
  const store = new MemoryHealthStore({ clock, breaker: { random: () => 0 } });
  const record = (deploymentId: string, result: OutcomeResult, count = 1) => {
    for (let index = 0; index < count; index++) {
      store.record({ deploymentId, at: clock.now(), result, latencyMs: 100, timeToFirstTokenMs: 40 });
    }
  };
  return { clock, store, record };
}

describe('MemoryHealthStore', () => {
  it('makes an ejected deployment due for a health check every interval, never a drained, disabled or cooling one, and none with interval 0', () => {
    const clock = new ManualClock(START);
    const store = new MemoryHealthStore({
      clock,
      breaker: { random: () => 0 },
      healthCheckIntervalMs: 3_000,
    });
    for (const id of ['a', 'b', 'c', 'd']) {
      for (let index = 0; index < 5; index++) {
        store.record({ deploymentId: id, at: clock.now(), result: 'server_error', latencyMs: 5 });
      }
    }
    store.breaker('b').drain();
    store.breaker('c').disable('auth');
    store.breaker('d').coolDown(clock.now() + 60_000, clock.now());
    expect(store.dueForHealthCheck(clock.now())).toEqual([]);
    clock.advance(3_000);
    expect(store.dueForHealthCheck(clock.now())).toEqual(['a']);
    store.breaker('a').markChecked(clock.now());
    expect(store.dueForHealthCheck(clock.now())).toEqual([]);
    clock.advance(3_000);
    expect(store.dueForHealthCheck(clock.now())).toEqual(['a']);
    const off = new MemoryHealthStore({ clock, healthCheckIntervalMs: 0 });
    for (let index = 0; index < 5; index++)
      off.record({ deploymentId: 'a', at: clock.now(), result: 'server_error', latencyMs: 5 });
    clock.advance(3_000); // still open (ejected for 30 s), long past any interval
    expect(off.status('a').state).toBe('open');
    expect(off.dueForHealthCheck(clock.now())).toEqual([]);
  });

  it('learns the slowness baseline from the period that just ended, when traffic arrives in bursts', () => {
    // Regression: each period's first outcome used to read the period it opened (one sample), so a
    // baseline never formed when every period's traffic came in one burst.
    const clock = new ManualClock(START);
    const store = new MemoryHealthStore({
      clock,
      breaker: { random: () => 0 },
      slowness: {
        sampleMs: 1_000,
        minSamplesPerPeriod: 3,
        warmupPeriods: 3,
        minCalls: 5,
        recentWindowMs: 10_000,
      },
    });
    for (let period = 0; period < 5; period += 1) {
      clock.advance(1_000);
      for (let index = 0; index < 4; index += 1) {
        store.record({
          deploymentId: 'a',
          at: clock.now(),
          result: 'success',
          latencyMs: 30,
          timeToFirstTokenMs: 20,
        });
      }
    }
    const health = store.snapshot().find((entry) => entry.id === 'a');
    expect(health?.baselineTtftMs).toBeCloseTo(20, 0);
  });

  it('stops telling a record listener once it unsubscribes', () => {
    const { store, record } = setup();
    const seen: string[] = [];
    const unsubscribe = store.onRecord((outcome) => seen.push(outcome.result));
    record('a', 'success');
    unsubscribe();
    record('a', 'server_error');
    expect(seen).toEqual(['success']);
  });

  it('feeds outcomes to the window and the breaker of their deployment', () => {
    const { store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'success', 2);
    expect(store.status('a')).toMatchObject({ state: 'open', ejectionCount: 1 });
    expect(store.status('b')).toMatchObject({ state: 'closed', admission: 'yes' });
    expect(store.window('a').consecutiveFailures).toBe(5);
    expect(store.window('b').read(10_000).successes).toBe(2);
  });

  it('snapshots every deployment with its windows, streak, multiplier and next probe', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    clock.advance(20_000);
    record('b', 'success');
    const byId = new Map(store.snapshot().map((health) => [health.id, health]));
    const a = byId.get('a')!;
    expect(a.status.state).toBe('open');
    expect(a.windows.tenSeconds.total).toBe(0);
    expect(a.windows.oneMinute).toMatchObject({ total: 5, failures: 5 });
    expect(a.windows.fiveMinutes.total).toBe(5);
    expect(a.consecutiveFailures).toBe(5);
    expect(a.ejectionCount).toBe(1);
    expect(a.openUntil).toBe(START + 30_000);
    expect(a.nextProbeAt).toBe(START + 35_000);
    const b = byId.get('b')!;
    expect(b.windows.tenSeconds.total).toBe(1);
    expect(b.nextProbeAt).toBeUndefined();
    expect(b.openUntil).toBeUndefined();
  });

  it('marks half-open deployments due for a probe after 5 s without trial traffic', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    clock.set(START + 30_000);
    expect(store.status('a').state).toBe('half_open');
    expect(store.dueForProbe(clock.now())).toEqual([]);
    clock.set(START + 35_000);
    expect(store.dueForProbe(clock.now())).toEqual(['a']);
    const lease = store.breaker('a').acquireTrial(clock.now());
    expect(lease).toBeDefined();
    expect(store.dueForProbe(clock.now())).toEqual([]);
    store.record({ deploymentId: 'a', at: clock.now(), result: 'success', latencyMs: 100 }, lease);
    clock.advance(4_999);
    expect(store.dueForProbe(clock.now())).toEqual([]);
    clock.advance(1);
    expect(store.dueForProbe(clock.now())).toEqual(['a']);
  });

  it('does not probe drained, disabled or cooling deployments, nor those out of trial slots', () => {
    const { clock, store, record } = setup();
    for (const id of ['drained', 'disabled', 'busy', 'cooling']) record(id, 'server_error', 5);
    store.breaker('drained').drain();
    store.breaker('cooling').coolDown(START + 90_000, START + 59_000);
    store.breaker('disabled').disable('auth');
    clock.set(START + 30_000);
    for (let index = 0; index < 3; index++) store.breaker('busy').acquireTrial(clock.now());
    clock.set(START + 60_000);
    expect(store.dueForProbe(clock.now())).toEqual([]);
  });

  it('exports and imports breaker and slowness state as JSON', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'rate_limited');
    const json = JSON.parse(JSON.stringify(store.exportState())) as ReturnType<typeof store.exportState>;
    const other = new MemoryHealthStore({ clock, breaker: { random: () => 0 } });
    other.importState(json);
    expect(other.status('a')).toEqual(store.status('a'));
    expect(other.status('b')).toEqual(store.status('b'));
    expect(other.exportState()).toEqual(store.exportState());
  });

  it('demotes from the window when asked for a status, as time passes', () => {
    const { clock, store, record } = setup();
    record('a', 'success', 12);
    for (let index = 0; index < 4; index++) {
      record('a', 'server_error');
      record('a', 'success');
    }
    expect(store.status('a').demoted).toBe(true);
    clock.advance(61_000);
    expect(store.status('a').demoted).toBe(false);
  });

  it('applies new knobs to every deployment it knows and keeps their state', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'server_error', 2);
    const openUntil = store.status('a').openUntil;
    store.configure({
      breaker: { random: () => 0, ejection: { consecutiveFailures: 3 } },
      healthCheckIntervalMs: 1_000,
    });
    expect(store.status('a')).toMatchObject({ state: 'open', openUntil, ejectionCount: 1 });
    clock.advance(1_000);
    expect(store.dueForHealthCheck(clock.now())).toEqual(['a']);
    // b kept its two failures in a row; a third now ejects it.
    record('b', 'server_error');
    expect(store.status('b').state).toBe('open');
  });

  it('forgets a deployment: gone from the snapshot, fresh when it comes back', () => {
    const { store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'success');
    store.forget('a');
    expect(store.snapshot().map((health) => health.id)).toEqual(['b']);
    expect(store.status('a')).toMatchObject({ state: 'closed', ejectionCount: 0 });
    expect(store.window('a').read(60_000).total).toBe(0);
  });

  it('reads without writing: status, snapshot and the due lists leave the state as it was', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'success', 20);
    const before = store.exportState();
    for (const later of [0, 30_000, 35_000, 600_000]) {
      clock.set(START + later);
      store.status('a');
      store.status('b');
      store.snapshot();
      store.dueForProbe(clock.now());
      store.dueForHealthCheck(clock.now());
    }
    expect(store.status('a')).toMatchObject({ state: 'half_open', admission: 'trial' });
    expect(store.exportState()).toEqual(before);
  });

  it('steps time only when told: one deployment, or every known one', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    record('b', 'server_error', 5);
    clock.set(START + 30_000);
    store.advance(clock.now(), 'a');
    const stepped = store.exportState().deployments;
    expect(stepped.a?.breaker.machine).toMatchObject({ state: 'half_open', since: START + 30_000 });
    expect(stepped.b?.breaker.machine.state).toBe('open');
    store.advance(clock.now());
    expect(store.exportState().deployments.b?.breaker.machine.state).toBe('half_open');
  });

  it('settles a trial lease with the outcome it is recorded with, once', () => {
    const { clock, store, record } = setup();
    record('a', 'server_error', 5);
    clock.set(START + 30_000);
    const lease = store.breaker('a').acquireTrial(clock.now());
    if (lease === undefined) throw new Error('no trial slot');
    const outcome = { deploymentId: 'a', at: clock.now(), result: 'success', latencyMs: 10 } as const;
    store.record(outcome, lease);
    store.record(outcome, lease);
    store.record(outcome);
    expect(store.status('a')).toMatchObject({ state: 'half_open', trialsAvailable: 2 });
    // The window counts every outcome recorded; only the breaker's trial count is once per lease.
    expect(store.window('a').read(60_000).successes).toBe(3);
  });

  it('gives the p99 time to first token over the slowness window as the first-token baseline', () => {
    const clock = new ManualClock(START);
    const store = new MemoryHealthStore({ clock, slowness: { recentWindowMs: 10_000 } });
    expect(store.firstTokenBaseline('a')).toBeUndefined();
    clock.advance(1_000);
    // 99 quick first tokens and one slow: the p99 is the quick ones' (within the sketch's error).
    for (let index = 0; index < 100; index++) {
      const ttft = index === 0 ? 5_000 : 100;
      store.record({
        deploymentId: 'a',
        at: clock.now(),
        result: 'success',
        latencyMs: ttft,
        timeToFirstTokenMs: ttft,
      });
    }
    // Failures carry no time to first token and do not count as samples.
    store.record({ deploymentId: 'a', at: clock.now(), result: 'timeout', latencyMs: 9_000 });
    const baseline = store.firstTokenBaseline('a');
    expect(baseline?.samples).toBe(100);
    expect(baseline?.p99Ms).toBeGreaterThan(100 * 0.8);
    expect(baseline?.p99Ms).toBeLessThan(100 * 1.2);
    expect(baseline?.p95Ms).toBeGreaterThan(95 * 0.8);
    expect(baseline?.p95Ms).toBeLessThan(95 * 1.2);
  });

  it('reads the baseline afresh at most once a second, and forgets it on reset or when it ages out', () => {
    const clock = new ManualClock(START);
    const store = new MemoryHealthStore({ clock, slowness: { recentWindowMs: 10_000 } });
    const sample = (ttft: number) =>
      store.record({
        deploymentId: 'a',
        at: clock.now(),
        result: 'success',
        latencyMs: ttft,
        timeToFirstTokenMs: ttft,
      });
    sample(100);
    expect(store.firstTokenBaseline('a')).toEqual({ p99Ms: 100, p95Ms: 100, samples: 1 });
    sample(100);
    // Same second: the cached reading.
    expect(store.firstTokenBaseline('a')).toEqual({ p99Ms: 100, p95Ms: 100, samples: 1 });
    clock.advance(1_000);
    expect(store.firstTokenBaseline('a')?.samples).toBe(2);
    // Past the window, no sample is recent: no baseline, so the configured limit applies again.
    clock.advance(10_000);
    expect(store.firstTokenBaseline('a')).toBeUndefined();
    sample(100);
    clock.advance(1_000);
    expect(store.firstTokenBaseline('a')?.samples).toBe(1);
    store.reset('a', clock.now());
    expect(store.firstTokenBaseline('a')).toBeUndefined();
  });
});

describe('MemoryHealthStore transitions', () => {
  it('tells listeners of an ejection, a restore, each switch that changes and a reset, in order', () => {
    const { clock, store, record } = setup();
    const seen: string[] = [];
    const stop = store.onTransition((transition) =>
      seen.push(`${transition.deploymentId}:${transition.kind}:${transition.breaker.machine.state}`),
    );
    record('a', 'server_error', 5);
    store.breaker('a').drain();
    store.breaker('a').drain();
    store.breaker('a').forceEnable();
    clock.advance(60_000);
    store.advance(clock.now(), 'a');
    for (let index = 0; index < 3; index++) {
      const lease = store.breaker('a').acquireTrial(clock.now());
      store.record({ deploymentId: 'a', at: clock.now(), result: 'success', latencyMs: 5 }, lease);
    }
    store.reset('a', clock.now());
    stop();
    store.breaker('a').drain();
    expect(seen).toEqual([
      'a:ejected:open',
      'a:switched:open',
      'a:switched:open',
      'a:restored:closed',
      'a:reset:closed',
    ]);
  });

  it('applies another replica’s transitions without telling its own listeners', () => {
    const sender = setup();
    const receiver = setup();
    const shared: Parameters<typeof receiver.store.applyTransition>[0][] = [];
    sender.store.onTransition((transition) => shared.push(transition));
    const echoed: string[] = [];
    receiver.store.onTransition((transition) => echoed.push(transition.kind));

    sender.record('a', 'server_error', 5);
    sender.store.breaker('a').drain();
    for (const transition of shared) receiver.store.applyTransition(transition);
    const status = receiver.store.status('a');
    expect(status.state).toBe('open');
    expect(status.drained).toBe(true);
    expect(status.openUntil).toBe(sender.store.status('a').openUntil);
    expect(receiver.store.window('a').read(60_000).failures).toBe(0);

    receiver.record('a', 'server_error', 1);
    const first = shared[0];
    if (first === undefined) throw new Error('an ejection was shared');
    receiver.store.applyTransition({ ...first, kind: 'reset' });
    expect(receiver.store.status('a')).toMatchObject({ state: 'closed', drained: false });
    expect(receiver.store.window('a').read(60_000).failures).toBe(0);
    expect(echoed).toEqual([]);
  });

  it('keeps telling listeners about a breaker replaced by importState', () => {
    const { store } = setup();
    const seen: string[] = [];
    store.onTransition((transition) => seen.push(transition.kind));
    store.importState(store.exportState());
    store.status('a');
    store.importState(store.exportState());
    store.breaker('a').drain();
    expect(seen).toEqual(['switched']);
  });
});

describe('MemoryHealthStore.mergeOutcomes', () => {
  it('counts other replicas’ outcomes in rates and demotion, not in the local failure run', () => {
    const { clock, store, record } = setup();
    record('a', 'success', 20);
    expect(store.status('a').demoted).toBe(false);
    const merged: string[] = [];
    store.onRecord((outcome) => merged.push(outcome.result));
    store.mergeOutcomes('a', Math.floor(clock.now() / 1000), { server_error: 20 });
    const stats = store.window('a').read(60_000);
    expect(stats.failures).toBe(20);
    expect(stats.total).toBe(40);
    expect(store.window('a').consecutiveFailures).toBe(0);
    expect(store.status('a').demoted).toBe(true);
    // Merged counts are not this replica's outcomes: nothing to publish again.
    expect(merged).toEqual([]);
  });

  it('drops counts older than the window', () => {
    const { clock, store } = setup();
    store.record({ deploymentId: 'a', at: clock.now(), result: 'success', latencyMs: 5 });
    store.mergeOutcomes('a', Math.floor(clock.now() / 1000) - 301, { server_error: 7 });
    expect(store.window('a').read(300_000).failures).toBe(0);
  });
});
