import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { OutcomeResult } from './outcome.js';
import { OutcomeWindow } from './outcome-window.js';

const START = 1_700_000_000_000;

function setup(buckets?: number) {
  const clock = new ManualClock(START);
  const window = new OutcomeWindow(buckets === undefined ? { clock } : { clock, buckets });
  const record = (result: OutcomeResult, latencyMs = 100, timeToFirstTokenMs?: number) =>
    window.record({
      deploymentId: 'd',
      at: clock.now(),
      result,
      latencyMs,
      ...(timeToFirstTokenMs === undefined ? {} : { timeToFirstTokenMs }),
    });
  return { clock, window, record };
}

describe('OutcomeWindow', () => {
  it('counts outcomes by class, with failures, successes and the failure rate', () => {
    const { window, record } = setup();
    record('success');
    record('success');
    record('server_error');
    record('rate_limited');
    const stats = window.read(10_000);
    expect(stats.total).toBe(4);
    expect(stats.successes).toBe(2);
    expect(stats.failures).toBe(1);
    expect(stats.failureRate).toBe(0.25);
    expect(stats.byResult).toEqual({ success: 2, server_error: 1, rate_limited: 1 });
  });

  it('reports a zero rate and null quantiles when empty', () => {
    const { window } = setup();
    const stats = window.read(60_000);
    expect(stats).toMatchObject({
      total: 0,
      failureRate: 0,
      latencyP50: null,
      ttftP95: null,
      ttftP99: null,
      ttftCount: 0,
    });
  });

  it('reads only the last windowMs, in whole seconds, across bucket boundaries', () => {
    const { clock, window, record } = setup();
    clock.set(START + 999);
    record('server_error');
    clock.set(START + 1000);
    record('success');
    clock.advance(8_000); // second 9 of the run: a 10 s read still covers second 0.
    expect(window.read(10_000).total).toBe(2);
    clock.advance(1_000); // second 10: second 0 has left the 10 s window.
    expect(window.read(10_000).total).toBe(1);
    expect(window.read(10_000).failures).toBe(0);
    expect(window.read(60_000).total).toBe(2);
  });

  it('answers 10 s, 60 s and 5 min reads from one ring', () => {
    const { clock, window, record } = setup();
    for (let second = 0; second < 300; second++) {
      record(second % 2 === 0 ? 'success' : 'timeout');
      clock.advance(1000);
    }
    clock.advance(-1000);
    expect(window.read(10_000).total).toBe(10);
    expect(window.read(60_000)).toMatchObject({ total: 60, failures: 30, failureRate: 0.5 });
    expect(window.read(300_000).total).toBe(300);
    expect(window.read(3_600_000).total).toBe(300);
  });

  it('forgets everything after a jump forward longer than the ring, then counts afresh', () => {
    const { clock, window, record } = setup(10);
    for (let index = 0; index < 5; index++) record('server_error');
    clock.advance(10 * 60_000 + 123);
    expect(window.read(10_000).total).toBe(0);
    record('success');
    expect(window.read(10_000)).toMatchObject({ total: 1, successes: 1, failures: 0 });
  });

  it('reuses a bucket whose second came round again in the ring', () => {
    const { clock, window, record } = setup(10);
    record('server_error');
    clock.advance(10_000); // same slot, ten seconds later
    record('success');
    expect(window.read(10_000)).toMatchObject({ total: 1, successes: 1, failures: 0 });
  });

  it('drops outcomes older than the ring', () => {
    const { clock, window } = setup(10);
    window.record({ deploymentId: 'd', at: clock.now(), result: 'success', latencyMs: 1 });
    window.record({ deploymentId: 'd', at: clock.now() - 20_000, result: 'server_error', latencyMs: 1 });
    expect(window.read(10_000)).toMatchObject({ total: 1, failures: 0 });
  });

  it('refuses a ring that is not a positive whole number of seconds, and spans its seconds', () => {
    const clock = new ManualClock(START);
    expect(() => new OutcomeWindow({ clock, buckets: 0 })).toThrow('buckets must be a positive integer');
    expect(() => new OutcomeWindow({ clock, buckets: 1.5 })).toThrow('buckets must be a positive integer');
    expect(new OutcomeWindow({ clock, buckets: 1 }).spanMs).toBe(1_000);
    expect(new OutcomeWindow({ clock }).spanMs).toBe(300_000);
  });

  it('drops an outcome older than the ring even into a free slot, measured from the newest second seen', () => {
    const { clock, window } = setup(10);
    const at = (seconds: number, result: OutcomeResult = 'server_error') =>
      window.record({ deploymentId: 'd', at: START + seconds * 1000, result, latencyMs: 1 });
    at(100, 'success');
    at(95, 'success'); // older than the newest: the ring still ends at second 100
    at(90); // exactly the ring's length back: too old
    at(86); // too old, although its slot is free
    clock.set(START + 100_000);
    expect(window.read(5_000, START + 91_000)).toMatchObject({ total: 0 });
    expect(window.read(10_000)).toMatchObject({ total: 2, failures: 0 });
    // Too old for the ring, they still count in the run of failures.
    expect(window.consecutiveFailures).toBe(2);
  });

  it('reads a period that is over without the seconds after it', () => {
    const { clock, window, record } = setup();
    record('server_error');
    clock.advance(70_000);
    record('success');
    expect(window.read(60_000, START + 60_000)).toMatchObject({ total: 1, failures: 1 });
  });

  it('merges counts from elsewhere into their second, dropping the too old and any not above zero', () => {
    const { clock, window, record } = setup(10);
    const second = Math.floor(START / 1000);
    record('success');
    window.merge(second + 1, { success: 1, server_error: 2 }); // the slot after this one
    window.merge(second + 1, { timeout: -3, overloaded: 0, rate_limited: Number.NaN });
    window.merge(second - 10, { server_error: 5 }); // the ring's length back
    window.merge(second - 12, { server_error: 7 }); // older still, into a free slot
    clock.advance(1_000);
    expect(window.read(10_000)).toMatchObject({
      total: 4,
      failures: 2,
      byResult: { success: 2, server_error: 2 },
    });
    expect(window.read(1_000, START + 1_000)).toMatchObject({ total: 1 });
    expect(window.read(5_000, START - 7_000)).toMatchObject({ total: 0 });
    // Merged counts are not this replica's run of failures.
    expect(window.consecutiveFailures).toBe(0);
  });

  it('takes a merge for a newer second as the ring’s newest', () => {
    const { window } = setup(10);
    const second = Math.floor(START / 1000);
    window.merge(second + 20, { success: 1 });
    window.merge(second + 15, { success: 1 }); // within the ring, and older: the newest stays +20
    window.merge(second + 6, { server_error: 1 }); // more than the ring's length before +20
    expect(window.read(10_000, START + 7_000)).toMatchObject({ total: 0 });
    expect(window.read(10_000, START + 21_000)).toMatchObject({ total: 2 });
  });

  it('counts consecutive host failures, reset by a success and untouched by rate limits', () => {
    const { window, record } = setup();
    record('server_error');
    record('timeout');
    record('rate_limited');
    record('client_error');
    record('overloaded');
    expect(window.consecutiveFailures).toBe(3);
    record('success');
    expect(window.consecutiveFailures).toBe(0);
  });

  it('reports latency and time-to-first-token quantiles within the sketch tolerance', () => {
    const { clock, window, record } = setup();
    for (let index = 1; index <= 100; index++) {
      record('success', index * 10, index);
      if (index % 10 === 0) clock.advance(1000);
    }
    clock.advance(-1000);
    const stats = window.read(60_000);
    expect(stats.ttftCount).toBe(100);
    expect(stats.latencyP50!).toBeGreaterThan(500 * 0.8);
    expect(stats.latencyP50!).toBeLessThan(500 * 1.2);
    expect(stats.ttftP95!).toBeGreaterThan(95 * 0.8);
    expect(stats.ttftP95!).toBeLessThan(95 * 1.2);
    expect(stats.ttftP99!).toBeGreaterThan(99 * 0.8);
    expect(stats.ttftP99!).toBeLessThan(99 * 1.2);
  });

  it('tells the p99 time to first token from the p95 when the slowest few differ', () => {
    const { window, record } = setup();
    for (let index = 0; index < 100; index++) record('success', 10, index < 96 ? 10 : 1000);
    const stats = window.read(60_000);
    expect(stats.ttftP95).toBe(10);
    expect(stats.ttftP99!).toBeGreaterThan(1000 * 0.8);
    expect(stats.ttftP99!).toBeLessThanOrEqual(1000);
  });

  it('empties on clear', () => {
    const { window, record } = setup();
    record('server_error');
    window.clear();
    expect(window.read(60_000).total).toBe(0);
    expect(window.consecutiveFailures).toBe(0);
  });
});
