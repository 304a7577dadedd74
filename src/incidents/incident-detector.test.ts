import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore, type OutcomeResult } from '../health/index.js';
import { createProvider } from '../providers/index.js';
import { type ModelRoute, ModelTable, RoutingState } from '../routing/index.js';
import { SqliteStore } from '../store/index.js';
import { type DetectorOptions, IncidentDetector } from './incident-detector.js';
import type { StatusEvent } from './status-event.js';

// The detector on its own: a real health store, routing state and SQLite store in memory, a manual
// clock and `evaluate()` called by hand. The end-to-end incident tests (test/incidents.test.ts) go
// through the gateway; these reach the thresholds and rules that traffic makes awkward to hit exactly.

const START = 1_700_000_000_000;
const provider = createProvider('a', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });

/** A table from `{ model: [upstream ids on provider a] }`. */
function table(models: Record<string, string[]>): ModelTable {
  const routes: ModelRoute[] = Object.entries(models).map(([name, upstreams]) => ({
    name,
    deployments: upstreams.map((upstream) => ({
      modelName: name,
      provider,
      deploymentId: `a/${upstream}`,
      upstreamModel: upstream,
      timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
    })),
    fallbacks: [],
    totalTimeoutMs: 10_000,
    strategy: 'priority',
  }));
  return new ModelTable(routes);
}

const TIMINGS: Partial<DetectorOptions> = {
  intervalMs: 1_000,
  enterMs: 2_000,
  leaveMs: 5_000,
  incidentAfterMs: 2_000,
  resolveAfterMs: 10_000,
};

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function setup(options: Partial<DetectorOptions> = {}, models: Record<string, string[]> = { m: ['x', 'y'] }) {
  const clock = new ManualClock(START);
  const health = new MemoryHealthStore({ clock, breaker: { ejection: { jitter: 0 } } });
  const state = new RoutingState({ health, clock });
  const store = new SqliteStore({ path: ':memory:' });
  stores.push(store);
  const events: StatusEvent[] = [];
  const routes = table(models);
  const detector = new IncidentDetector(
    state,
    () => ({ table: routes }),
    store,
    clock,
    { ...TIMINGS, ...options },
    (event) => events.push(event),
  );
  /** Records `count` outcomes of `result` on deployment `a/<upstream>` now. */
  const record = (upstream: string, result: OutcomeResult, count = 1, retryAfterMs?: number) => {
    for (let index = 0; index < count; index++)
      health.record({
        deploymentId: `a/${upstream}`,
        at: clock.now(),
        result,
        latencyMs: 5,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
  };
  const openAlerts = async () =>
    (await store.listAlerts({ open: true })).map((alert) => [alert.kind, alert.deployment]);
  return { clock, health, state, store, events, detector, record, openAlerts };
}

describe('IncidentDetector: rate-limit alerts', () => {
  it('raises one from five rate-limited attempts that are a fifth of the minute, not from four or a smaller share', async () => {
    const four = setup();
    four.record('x', 'rate_limited', 4, 1);
    four.record('x', 'success', 16);
    four.clock.advance(10);
    await four.detector.evaluate();
    expect(await four.openAlerts()).toEqual([]);

    const smallShare = setup();
    smallShare.record('x', 'rate_limited', 5, 1);
    smallShare.record('x', 'success', 21);
    smallShare.clock.advance(10);
    await smallShare.detector.evaluate();
    expect(await smallShare.openAlerts()).toEqual([]);

    const fifth = setup();
    fifth.record('x', 'rate_limited', 5, 1);
    fifth.record('x', 'success', 20);
    fifth.clock.advance(10);
    await fifth.detector.evaluate();
    expect(fifth.health.status('a/x').coolingUntil).toBeUndefined();
    expect(await fifth.openAlerts()).toEqual([['rate_limited', 'a/x']]);
  });

  it('raises one at once while a deployment cools down, whatever the count', async () => {
    const { record, detector, openAlerts, events } = setup();
    record('x', 'rate_limited', 1, 30_000);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    expect(events.map((event) => event.type)).toEqual(['alert.raised']);
  });

  it('ends it only after rate limits have been quiet for leaveAfter', async () => {
    const { clock, record, detector, openAlerts, events } = setup();
    record('x', 'rate_limited', 1, 1_000);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    // The cool-down ended 1 s after the 429; leaveAfter (5 s) from the last sign of rate limiting.
    clock.advance(5_999);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    clock.advance(1);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(['alert.raised', 'alert.resolved']);
  });

  it('keeps it through rate limits that come and go', async () => {
    const { clock, record, detector, openAlerts, store } = setup();
    for (let burst = 0; burst < 4; burst++) {
      record('x', 'rate_limited', 1, 1_000);
      await detector.evaluate();
      clock.advance(4_000);
      await detector.evaluate();
      expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    }
    expect(await store.listAlerts({})).toHaveLength(1);
  });
});
