import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { UpstreamTransport } from '../providers/index.js';
import { ModelTable } from './model-table.js';
import { Prober } from './prober.js';
import { RoutingState } from './routing-state.js';

function setup(): { prober: Prober; ticks: () => number; transport: UpstreamTransport } {
  const clock = new ManualClock(1_700_000_000_000);
  const state = new RoutingState({ health: new MemoryHealthStore({ clock }), clock });
  const target = { table: new ModelTable([]), transport: new UpstreamTransport({ connectTimeoutMs: 1_000 }) };
  const prober = new Prober({ state, target: () => target, clock, intervalMs: 1_000 });
  const tick = vi.spyOn(prober, 'tick').mockResolvedValue(undefined);
  return { prober, ticks: () => tick.mock.calls.length, transport: target.transport };
}

describe('Prober', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes a new interval, and turns off and on again, when rescheduled', async () => {
    const { prober, ticks, transport } = setup();
    prober.start();
    vi.advanceTimersByTime(3_000);
    expect(ticks()).toBe(3);
    prober.reschedule(true, 100);
    vi.advanceTimersByTime(1_000);
    expect(ticks()).toBe(13);
    prober.reschedule(false, 100);
    vi.advanceTimersByTime(1_000);
    expect(ticks()).toBe(13);
    prober.reschedule(true, 500);
    vi.advanceTimersByTime(1_000);
    expect(ticks()).toBe(15);
    await prober.stop();
    prober.reschedule(true, 100);
    vi.advanceTimersByTime(1_000);
    expect(ticks()).toBe(15);
    await transport.close();
  });
});

describe('Prober.tick', () => {
  it('steps every deployment forward at each tick, even one nothing is due for', async () => {
    const clock = new ManualClock();
    const health = new MemoryHealthStore({
      clock,
      breaker: { ejection: { jitter: 0 } },
      healthCheckIntervalMs: 0,
    });
    const transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
    const prober = new Prober({
      state: new RoutingState({ health, clock }),
      target: () => ({ table: new ModelTable([]), transport }),
      clock,
      intervalMs: 1_000,
    });
    const machine = () => health.exportState().deployments['a/up-m']?.breaker.machine;
    for (let index = 0; index < 5; index += 1)
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    clock.advance(30_000);
    // Reads see the ejection's end; only a step writes it.
    expect(health.status('a/up-m').state).toBe('half_open');
    expect(machine()?.state).toBe('open');
    await prober.tick();
    expect(machine()).toMatchObject({ state: 'half_open', since: clock.now() });
    await transport.close();
  });
});
