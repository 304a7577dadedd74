import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { UpstreamTransport } from '../providers/index.js';
import { ModelTable } from './model-table.js';
import { Prober } from './prober.js';
import { RoutingState } from './routing-state.js';

describe('Prober', () => {
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
