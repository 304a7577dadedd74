import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { createProvider, UpstreamTransport } from '../providers/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import type { AttemptRecord } from './execute.js';
import { type Deployment, ModelTable } from './model-table.js';
import { Prober } from './prober.js';
import { RoutingState } from './routing-state.js';

// Real probes against the simulator, whose first-token and token delays move the injected clock
// rather than costing real time.

let sim: Simulator;
let transport: UpstreamTransport;
let clock: ManualClock;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 2,
    timeToFirstTokenMs: 20,
    tokenIntervalMs: 5,
    wait: async (ms) => clock.advance(ms),
  });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
  clock = new ManualClock();
});

function deployment(host: string): Deployment {
  return {
    modelName: 'm',
    provider: createProvider(host, { protocol: 'openai-chat', baseUrl: `${sim.url}/hosts/${host}/v1` }),
    deploymentId: `${host}/up-m`,
    upstreamModel: 'up-m',
    // Long enough that only stop() can end a silent probe within the test.
    timeouts: { firstTokenMs: 600_000, idleMs: 600_000 },
  };
}

/** A prober whose one deployment is ejected for a minute and due for a health check. */
function setup(host: string) {
  const health = new MemoryHealthStore({
    clock,
    breaker: { ejection: { baseTime: 60_000, jitter: 0 } },
    healthCheckIntervalMs: 1_000,
  });
  const target = deployment(host);
  const table = new ModelTable([
    { name: 'm', deployments: [target], strategy: 'priority', fallbacks: [], totalTimeoutMs: 60_000 },
  ]);
  const probes: AttemptRecord[] = [];
  const prober = new Prober({
    state: new RoutingState({ health, clock }),
    target: () => ({ table, transport }),
    clock,
    intervalMs: 1_000,
    onProbe: (_deployment, record) => probes.push({ ...record }),
  });
  for (let index = 0; index < 5; index += 1)
    health.record({
      deploymentId: target.deploymentId,
      at: clock.now(),
      result: 'server_error',
      latencyMs: 1,
    });
  clock.advance(1_000);
  return { health, prober, probes, id: target.deploymentId };
}

describe('Prober probes', () => {
  it('times a health check to its first token and its end, and ends the ejection when it passes', async () => {
    const { health, prober, probes, id } = setup('pa');
    const startedAt = clock.now();
    await prober.tick();
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ outcome: 'success', trial: true, startedAt });
    // The simulator may run ahead of the reader, so the first token is seen at 20 ms or later.
    const firstToken = probes[0]?.timeToFirstTokenMs ?? -1;
    expect(firstToken).toBeGreaterThanOrEqual(20);
    expect(probes[0]?.latencyMs).toBe(clock.now() - startedAt);
    expect(probes[0]?.latencyMs).toBeGreaterThanOrEqual(firstToken);
    expect(health.status(id).state).not.toBe('open');
    await prober.stop();
  });

  it('on stop aborts a probe in flight, waits for it, and counts it as abandoned', async () => {
    const { health, prober, probes, id } = setup('pb');
    sim.setFault({ host: 'pb', fault: { type: 'silence' }, times: 1 });
    const tick = prober.tick();
    await vi.waitFor(() => expect(sim.stats().hosts.pb?.requests).toBe(1));
    await prober.stop();
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ abandoned: true });
    expect(health.status(id).state).toBe('open');
    await tick;
  });
});
