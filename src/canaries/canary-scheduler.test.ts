import { describe, expect, it } from 'vitest';
import { deploymentStatus } from '../../test/support/health-stats.js';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { createProvider } from '../providers/index.js';
import type { Deployment } from '../routing/index.js';
import { SqliteStore } from '../store/index.js';
import {
  CanaryScheduler,
  type CanarySchedulerOptions,
  type CanarySkipReason,
  utcMonthOf,
  worstCaseCostUsd,
} from './canary-scheduler.js';
import type { CanaryCase, CanaryResult } from './types.js';

const DAY = 86_400_000;
const JANUARY = Date.UTC(2026, 0, 1);

function deployment(provider: string, model = 'm'): Deployment {
  return {
    modelName: model,
    // Never reached: the scheduler's sends here are its own seam, not the network.
    provider: createProvider(provider, { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' }),
    deploymentId: `${provider}/up-${model}`,
    upstreamModel: `up-${model}`,
    timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
    price: { input: 1_000, output: 2_000 },
  };
}

function canaryCase(id: string): CanaryCase {
  return {
    id,
    suite: 'arithmetic',
    request: {
      model: '',
      messages: [{ role: 'user', content: [{ type: 'text', text: `What is 17 × 23? (${id})` }] }],
      maxTokens: 16,
      temperature: 0,
      stream: false,
      metadata: {},
      vendorOptions: {},
    },
    grader: {},
  };
}

/** A store of results in an array: the scheduler's store seam, fast enough for a month of ticks. */
function resultLog() {
  const rows: CanaryResult[] = [];
  const store: CanarySchedulerOptions['store'] = {
    recordCanaryResults: async (batch) => {
      rows.push(...batch);
    },
    sumCanaryCost: async (provider, since) =>
      rows
        .filter((row) => row.provider === provider && row.at >= since)
        .reduce((sum, row) => sum + row.costUsd, 0),
  };
  return { rows, store };
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function result(target: Deployment, canary: CanaryCase, at: number, costUsd: number): CanaryResult {
  return {
    deployment: target.deploymentId,
    model: target.modelName,
    provider: target.provider.name,
    suite: canary.suite,
    caseId: canary.id,
    at,
    pass: true,
    detail: 'ok',
    latencyMs: 1,
    costUsd,
  };
}

describe('CanaryScheduler', () => {
  it('runs a month of canaries without a provider ever passing its cap, paced over the month', async () => {
    const clock = new ManualClock(JANUARY);
    const targets = [deployment('a', 'm'), deployment('a', 'n'), deployment('b', 'm')];
    const cases = [canaryCase('c1'), canaryCase('c2'), canaryCase('c3')];
    const { rows, store } = resultLog();
    const caps = { default: 40, a: 100 };
    const scheduler = new CanaryScheduler({
      deployments: () => targets,
      cases: () => cases,
      // Provider a is billed 60 % of the worst case, b the full worst case.
      send: async (target, canary) =>
        result(
          target,
          canary,
          clock.now(),
          worstCaseCostUsd(target, canary) * (target.provider.name === 'a' ? 0.6 : 1),
        ),
      status: () => deploymentStatus(),
      store,
      clock,
      random: seeded(7),
      monthlyCapUsd: caps,
    });
    const spent = (provider: string, until: number) =>
      rows
        .filter((row) => row.provider === provider && row.at < until)
        .reduce((sum, row) => sum + row.costUsd, 0);
    // Running totals, checked after every tick (summing the rows each time would be quadratic).
    const total = { a: 0, b: 0 };
    let counted = 0;
    const worst = { a: 0, b: 0 };
    const end = Date.UTC(2026, 1, 1);
    while (clock.now() < end) {
      await scheduler.tick(clock.now());
      for (; counted < rows.length; counted += 1) {
        const row = rows[counted] as CanaryResult;
        total[row.provider as 'a' | 'b'] += row.costUsd;
      }
      worst.a = Math.max(worst.a, total.a);
      worst.b = Math.max(worst.b, total.b);
      clock.advance(10_000);
    }
    const perRun = worstCaseCostUsd(targets[0] as Deployment, cases[0] as CanaryCase);
    expect(perRun).toBeGreaterThan(0.1);
    expect(worst.a).toBeLessThanOrEqual(caps.a);
    expect(worst.b).toBeLessThanOrEqual(caps.default);
    // Paced: after the first day, at most two days' share of the cap.
    expect(spent('a', JANUARY + DAY)).toBeLessThanOrEqual((caps.a * 2) / 31 + 1e-9);
    expect(spent('b', JANUARY + 15 * DAY)).toBeLessThanOrEqual((caps.default * 16) / 31 + 1e-9);
    // ... yet the month's cap is nearly all used by its end.
    expect(spent('a', end)).toBeGreaterThan(caps.a - 2 * perRun);
    expect(spent('b', end)).toBeGreaterThan(caps.default - 2 * perRun);
    // Both of a's deployments got canaries, rotating through every case.
    expect(new Set(rows.filter((row) => row.provider === 'a').map((row) => row.deployment)).size).toBe(2);
    expect(
      rows
        .filter((row) => row.deployment === 'b/up-m')
        .slice(0, 6)
        .map((row) => row.caseId),
    ).toEqual(['c1', 'c2', 'c3', 'c1', 'c2', 'c3']);
    // A new month starts a new cap.
    const before = rows.length;
    for (let index = 0; index < 20; index += 1) {
      await scheduler.tick(clock.now());
      clock.advance(10_000);
    }
    expect(rows.slice(before).some((row) => row.at >= end)).toBe(true);
    expect(utcMonthOf(end + 1).start).toBe(end);
  });

  it('pauses ejected, drained, disabled and cooling deployments, and resumes them', async () => {
    const clock = new ManualClock(JANUARY);
    const health = new MemoryHealthStore({ clock, breaker: { ejection: { baseTime: 60_000, jitter: 0 } } });
    const targets = [
      deployment('ok'),
      deployment('ejected'),
      deployment('drained'),
      deployment('disabled'),
      deployment('cooling'),
    ];
    for (let index = 0; index < 5; index += 1) {
      health.record({ deploymentId: 'ejected/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    }
    health.breaker('drained/up-m').drain();
    health.record({ deploymentId: 'disabled/up-m', at: clock.now(), result: 'auth', latencyMs: 1 });
    health.record({
      deploymentId: 'cooling/up-m',
      at: clock.now(),
      result: 'rate_limited',
      latencyMs: 1,
      retryAfterMs: 3_600_000,
    });
    const sent: string[] = [];
    const skipped: Array<[string, CanarySkipReason]> = [];
    const { store } = resultLog();
    const scheduler = new CanaryScheduler({
      deployments: () => targets,
      cases: () => [canaryCase('c1')],
      send: async (target, canary) => {
        sent.push(target.deploymentId);
        return result(target, canary, clock.now(), 0);
      },
      status: (id) => health.status(id),
      onSkip: (target, reason) => skipped.push([target.deploymentId, reason]),
      store,
      clock,
      random: () => 0,
      monthlyCapUsd: { default: 10 },
    });
    await scheduler.tick(clock.now());
    expect(sent).toEqual(['ok/up-m']);
    expect(new Map(skipped)).toEqual(
      new Map<string, CanarySkipReason>([
        ['ejected/up-m', 'ejected'],
        ['drained/up-m', 'drained'],
        ['disabled/up-m', 'disabled'],
        ['cooling/up-m', 'cooling'],
      ]),
    );
    health.breaker('drained/up-m').undrain();
    clock.advance(20_000);
    await scheduler.tick(clock.now());
    expect(sent.filter((id) => id === 'drained/up-m')).toHaveLength(1);
    expect(sent).not.toContain('ejected/up-m');
  });

  it('spaces the canaries of a deployment by every ± 20 %', async () => {
    const clock = new ManualClock(JANUARY);
    const times: number[] = [];
    const { store } = resultLog();
    const scheduler = new CanaryScheduler({
      deployments: () => [deployment('j')],
      cases: () => [canaryCase('c1')],
      send: async (target, canary) => {
        times.push(clock.now());
        return result(target, canary, clock.now(), 0);
      },
      status: () => deploymentStatus(),
      store,
      clock,
      random: seeded(11),
      everyMs: 20_000,
      monthlyCapUsd: { default: 1_000 },
    });
    for (let step = 0; step < 100_000; step += 1) {
      await scheduler.tick(clock.now());
      clock.advance(100);
    }
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    expect(gaps.length).toBeGreaterThan(400);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(16_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(24_100);
    // Jittered, not fixed: the gaps spread over most of the range.
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(6_000);
  });

  it("rebuilds this month's spend from the store's results at start, and refuses what would pass the cap", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const store = new SqliteStore({ path: ':memory:' });
    const target = deployment('s');
    const canary = canaryCase('c1');
    const perRun = worstCaseCostUsd(target, canary);
    await store.recordCanaryResults([
      // Last month's spend does not count.
      result(target, canary, Date.UTC(2025, 11, 31), 100),
      result(target, canary, Date.UTC(2026, 0, 2), 10 - perRun * 1.5),
    ]);
    const sent: number[] = [];
    const skipped: CanarySkipReason[] = [];
    const scheduler = new CanaryScheduler({
      deployments: () => [target],
      cases: () => [canary],
      send: async (deploymentSent, canarySent) => {
        sent.push(clock.now());
        return result(deploymentSent, canarySent, clock.now(), perRun);
      },
      status: () => deploymentStatus(),
      store,
      clock,
      random: () => 0,
      monthlyCapUsd: { default: 10 },
      onSkip: (_target, reason) => skipped.push(reason),
    });
    for (let step = 0; step < 10; step += 1) {
      await scheduler.tick(clock.now());
      clock.advance(20_000);
    }
    expect(sent).toHaveLength(1);
    expect(skipped.length).toBeGreaterThan(5);
    expect(new Set(skipped)).toEqual(new Set(['cap']));
    expect(await store.sumCanaryCost('s', Date.UTC(2026, 0, 1))).toBeLessThanOrEqual(10);
    expect(scheduler.spentThisMonth('s')).toBeCloseTo(10 - perRun * 0.5, 9);
    await store.close();
  });
});

describe('CanaryScheduler across a lease hand-over', () => {
  it('reads the spend again from the store when it watches again, so what another replica spent counts (regression)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const target = deployment('a');
    const cases = [canaryCase('c1')];
    const perRun = worstCaseCostUsd(target, cases[0] as CanaryCase);
    const { rows, store } = resultLog();
    let leading = true;
    const scheduler = new CanaryScheduler({
      deployments: () => (leading ? [target] : []),
      cases: () => cases,
      send: async (sent, canary) => result(sent, canary, clock.now(), perRun),
      status: () => deploymentStatus(),
      store,
      clock,
      random: () => 0,
      // Room for three runs this month (the 31st: pacing allows the whole cap).
      monthlyCapUsd: { default: perRun * 3.5 },
    });
    const ticks = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        await scheduler.tick(clock.now());
        clock.advance(30_000);
      }
    };
    await ticks(2);
    expect(rows).toHaveLength(2);
    // The lease moves to another replica, which spends one run; then it comes back.
    leading = false;
    await ticks(1);
    rows.push(result(target, cases[0] as CanaryCase, clock.now(), perRun));
    leading = true;
    await ticks(5);
    // Three runs fit under the cap in all: this replica may add none after the other's.
    expect(rows).toHaveLength(3);
    expect(rows.reduce((sum, row) => sum + row.costUsd, 0)).toBeLessThanOrEqual(perRun * 3.5);
  });
});
