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
  pauseReasonOf,
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

describe('utcMonthOf', () => {
  it('is the UTC calendar month around an instant, across a year end', () => {
    expect(utcMonthOf(Date.UTC(2026, 1, 15, 13, 30))).toStrictEqual({
      start: Date.UTC(2026, 1, 1),
      end: Date.UTC(2026, 2, 1),
    });
    expect(utcMonthOf(Date.UTC(2026, 11, 31, 23, 59))).toStrictEqual({
      start: Date.UTC(2026, 11, 1),
      end: Date.UTC(2027, 0, 1),
    });
    expect(utcMonthOf(Date.UTC(2026, 2, 1))).toStrictEqual({
      start: Date.UTC(2026, 2, 1),
      end: Date.UTC(2026, 3, 1),
    });
  });
});

/** A case whose prompt is one `é`: its request JSON is 70 bytes of UTF-8 (69 characters). */
function tinyCase(changes: Partial<CanaryCase['request']> = {}): CanaryCase {
  return {
    id: 'tiny',
    suite: 's',
    request: {
      model: '',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'é' }] }],
      temperature: 0,
      stream: false,
      metadata: {},
      vendorOptions: {},
      ...changes,
    },
    grader: {},
  };
}

/** $1 per prompt token and $2 per output token: a worst case in whole dollars. */
function dollarDeployment(provider: string, changes: Partial<Deployment> = {}): Deployment {
  return { ...deployment(provider), price: { input: 1_000_000, output: 2_000_000 }, ...changes };
}

describe('worstCaseCostUsd', () => {
  it('counts every prompt byte, 64 tokens of framing and the whole output allowance', () => {
    // (70 + 64) × $1 + 10 × $2.
    expect(worstCaseCostUsd(dollarDeployment('w'), tinyCase({ maxTokens: 10 }))).toBe(154);
  });

  it("falls back to the deployment's maxOutput, then to 4,096 output tokens", () => {
    expect(worstCaseCostUsd(dollarDeployment('w', { maxOutput: 100 }), tinyCase())).toBe(134 + 200);
    expect(worstCaseCostUsd(dollarDeployment('w'), tinyCase())).toBe(134 + 2 * 4096);
    expect(worstCaseCostUsd(dollarDeployment('w', { maxOutput: 100 }), tinyCase({ maxTokens: 1 }))).toBe(136);
  });

  it('adds 500 tokens per offered tool and the system prompt', () => {
    const tools = [
      { name: 'a', parameters: {} },
      { name: 'b', parameters: {} },
    ];
    const withTools = tinyCase({ maxTokens: 1, tools });
    const json = JSON.stringify({ messages: withTools.request.messages, tools });
    expect(worstCaseCostUsd(dollarDeployment('w'), withTools)).toBe(Buffer.byteLength(json) + 64 + 1000 + 2);
    const system = tinyCase({ maxTokens: 1, system: [{ type: 'text', text: 'Be brief.' }] });
    const systemJson = JSON.stringify({ system: system.request.system, messages: system.request.messages });
    expect(worstCaseCostUsd(dollarDeployment('w'), system)).toBe(Buffer.byteLength(systemJson) + 64 + 2);
  });

  it('prices prompt tokens at the dearest of input, cache write and cached input', () => {
    const canary = tinyCase({ maxTokens: 10 });
    expect(
      worstCaseCostUsd(
        dollarDeployment('w', { price: { input: 1_000_000, output: 0, cacheWrite: 3_000_000 } }),
        canary,
      ),
    ).toBe(134 * 3);
    expect(
      worstCaseCostUsd(
        dollarDeployment('w', { price: { input: 1_000_000, output: 0, cachedInput: 2_000_000 } }),
        canary,
      ),
    ).toBe(134 * 2);
    expect(
      worstCaseCostUsd(
        dollarDeployment('w', {
          price: { input: 1_000_000, output: 0, cachedInput: 500_000, cacheWrite: 250_000 },
        }),
        canary,
      ),
    ).toBe(134);
  });

  it('is 0 without a known price', () => {
    expect(worstCaseCostUsd(dollarDeployment('w', { price: undefined }), tinyCase())).toBe(0);
  });
});

describe('pauseReasonOf', () => {
  it('names the first of disabled, drained, ejected, half-open and cooling', () => {
    const everything = { disabled: 'auth', drained: true, state: 'open', coolingUntil: 5 } as const;
    expect(pauseReasonOf(deploymentStatus(everything))).toBe('disabled');
    expect(pauseReasonOf(deploymentStatus({ ...everything, disabled: undefined }))).toBe('drained');
    expect(pauseReasonOf(deploymentStatus({ state: 'open', coolingUntil: 5 }))).toBe('ejected');
    expect(pauseReasonOf(deploymentStatus({ state: 'half_open', coolingUntil: 5 }))).toBe('half_open');
    expect(pauseReasonOf(deploymentStatus({ coolingUntil: 0 }))).toBe('cooling');
    expect(pauseReasonOf(deploymentStatus({ demoted: true, degraded: true, forced: true }))).toBeUndefined();
  });
});

/** A scheduler over an array store, recording what it sends, skips and reports. */
function harness(changes: Partial<CanarySchedulerOptions> & { now?: number } = {}) {
  const clock = new ManualClock(changes.now ?? Date.UTC(2026, 0, 31, 12));
  const log = resultLog();
  const sent: Array<{ deployment: string; caseId: string; at: number }> = [];
  const skipped: Array<[string, CanarySkipReason, number]> = [];
  const errors: unknown[] = [];
  const seen: CanaryResult[] = [];
  let reads = 0;
  const store: CanarySchedulerOptions['store'] = {
    recordCanaryResults: log.store.recordCanaryResults,
    sumCanaryCost: async (provider, since) => {
      reads += 1;
      return log.store.sumCanaryCost(provider, since);
    },
  };
  const scheduler = new CanaryScheduler({
    deployments: () => [dollarDeployment('p')],
    cases: () => [canaryCase('c1')],
    send: async (target, canary) => {
      sent.push({ deployment: target.deploymentId, caseId: canary.id, at: clock.now() });
      return result(target, canary, clock.now(), 1);
    },
    status: () => deploymentStatus(),
    store,
    clock,
    random: () => 0,
    monthlyCapUsd: { default: 1_000_000 },
    onSkip: (target, reason) => skipped.push([target.deploymentId, reason, clock.now()]),
    onError: (error) => errors.push(error),
    onResult: (stored) => seen.push(stored),
    ...changes,
  });
  const tickAt = async (at: number) => {
    clock.set(at);
    await scheduler.tick(at);
  };
  return { clock, scheduler, sent, skipped, errors, seen, rows: log.rows, reads: () => reads, tickAt };
}

describe('CanaryScheduler timing', () => {
  it('draws each gap as every × (1 ± jitter)', () => {
    const draws = [0, 0.5, 0.75, 1];
    const scheduler = new CanaryScheduler({
      ...harnessOptions(),
      random: () => draws.shift() ?? 0,
    });
    expect([scheduler.nextGap(), scheduler.nextGap(), scheduler.nextGap(), scheduler.nextGap()]).toEqual([
      16_000, 20_000, 22_000, 24_000,
    ]);
    const custom = new CanaryScheduler({
      ...harnessOptions(),
      random: () => 0.75,
      everyMs: 1_000,
      jitter: 0.5,
    });
    expect(custom.nextGap()).toBe(1_250);
  });

  it('starts a new deployment at a random point of its first gap, then waits a whole gap', async () => {
    const start = Date.UTC(2026, 0, 31, 12);
    const { sent, tickAt } = harness({ random: () => 0.25, now: start });
    await tickAt(start);
    await tickAt(start + 4_999);
    expect(sent).toEqual([]);
    await tickAt(start + 5_000);
    expect(sent.map((entry) => entry.at)).toEqual([start + 5_000]);
    // Gap: 20 s × (1 + 0.2 × (2 × 0.25 − 1)) = 18 s.
    await tickAt(start + 22_999);
    expect(sent).toHaveLength(1);
    await tickAt(start + 23_000);
    expect(sent.map((entry) => entry.at)).toEqual([start + 5_000, start + 23_000]);
  });

  it('checks a paused deployment once per gap, not at every tick', async () => {
    const start = Date.UTC(2026, 0, 31, 12);
    const { sent, skipped, tickAt } = harness({
      random: () => 0.5,
      now: start,
      status: () => deploymentStatus({ state: 'open' }),
    });
    for (let at = start; at < start + 40_000; at += 1_000) await tickAt(at);
    expect(sent).toEqual([]);
    expect(skipped).toEqual([
      ['p/up-m', 'ejected', start + 10_000],
      ['p/up-m', 'ejected', start + 30_000],
    ]);
  });

  it('starts a deployment that left and came back in a new first gap', async () => {
    const start = Date.UTC(2026, 0, 31, 12);
    let present = true;
    const { sent, tickAt } = harness({
      random: () => 0.5,
      now: start,
      deployments: () => (present ? [dollarDeployment('p'), dollarDeployment('q')] : [dollarDeployment('q')]),
    });
    await tickAt(start);
    await tickAt(start + 10_000);
    expect(sent.map((entry) => entry.deployment)).toEqual(['p/up-m', 'q/up-m']);
    present = false;
    await tickAt(start + 12_000);
    present = true;
    // Back at 13 s: due 10 s later (half a gap), not at 30 s as its old turn said.
    await tickAt(start + 13_000);
    await tickAt(start + 23_000);
    expect(sent.map((entry) => `${entry.deployment}@${entry.at - start}`)).toEqual([
      'p/up-m@10000',
      'q/up-m@10000',
      'p/up-m@23000',
    ]);
  });

  it('does nothing without cases, not even a store read', async () => {
    const { sent, reads, errors, tickAt } = harness({ cases: () => [] });
    await tickAt(Date.UTC(2026, 0, 31, 12));
    expect(sent).toEqual([]);
    expect(reads()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('waits for ready before reading the deployments', async () => {
    const order: string[] = [];
    const { tickAt, sent } = harness({
      ready: async () => {
        await Promise.resolve();
        order.push('ready');
      },
      deployments: () => {
        order.push('deployments');
        return [dollarDeployment('p')];
      },
    });
    await tickAt(Date.UTC(2026, 0, 31, 12));
    expect(order).toEqual(['ready', 'deployments']);
    expect(sent).toHaveLength(1);
  });

  it('sends nothing more to a deployment while its canary runs', async () => {
    let release: (() => void) | undefined;
    const calls: number[] = [];
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const scheduler = new CanaryScheduler({
      ...harnessOptions(clock),
      send: async (target, canary) => {
        calls.push(clock.now());
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return result(target, canary, clock.now(), 0);
      },
    });
    const first = scheduler.tick(clock.now());
    await until(() => calls.length === 1);
    clock.advance(100_000);
    await scheduler.tick(clock.now());
    expect(calls).toHaveLength(1);
    release?.();
    await first;
    clock.advance(100_000);
    const third = scheduler.tick(clock.now());
    await until(() => calls.length === 2);
    release?.();
    await third;
  });
});

describe('CanaryScheduler caps', () => {
  const lastDay = Date.UTC(2026, 0, 31, 12);
  // tinyCase with maxTokens 10 costs exactly $154 at the dollar prices.
  const cases = () => [tinyCase({ maxTokens: 10 })];

  it('sends a canary that takes the spend exactly to the cap, and refuses one that would pass it', async () => {
    const exact = harness({
      cases,
      monthlyCapUsd: { default: 154 },
      send: async (target, canary) => result(target, canary, lastDay, 154),
    });
    await exact.tickAt(lastDay);
    expect(exact.skipped).toEqual([]);
    expect(exact.scheduler.spentThisMonth('p')).toBe(154);
    const over = harness({ cases, monthlyCapUsd: { default: 153.5 } });
    await over.tickAt(lastDay);
    expect(over.sent).toEqual([]);
    expect(over.skipped).toEqual([['p/up-m', 'cap', lastDay]]);
  });

  it("uses a provider's own cap, and the default for any other name, inherited ones included", async () => {
    const caps = { default: 100, p: 200 };
    const own = harness({ cases, monthlyCapUsd: caps });
    await own.tickAt(lastDay);
    expect(own.skipped).toEqual([]);
    const other = harness({
      cases,
      monthlyCapUsd: caps,
      deployments: () => [dollarDeployment('constructor'), dollarDeployment('q')],
    });
    await other.tickAt(lastDay);
    expect(other.skipped.map(([id, reason]) => `${id} ${reason}`)).toEqual([
      'constructor/up-m cap',
      'q/up-m cap',
    ]);
  });

  it("paces the month: on its first day one day's share, a day later two days'", async () => {
    const first = Date.UTC(2026, 0, 1);
    // January has 31 days: a cap of 31 runs allows one on the 1st (exactly its share) and a second on the 2nd.
    const { rows, skipped, tickAt } = harness({
      cases,
      now: first,
      monthlyCapUsd: { default: 31 * 154 },
      send: async (target, canary) => result(target, canary, first, 154),
    });
    await tickAt(first);
    await tickAt(first + 30_000);
    expect(rows).toHaveLength(1);
    expect(skipped).toEqual([['p/up-m', 'pacing', first + 30_000]]);
    await tickAt(first + DAY - 60_000);
    expect(rows).toHaveLength(1);
    await tickAt(first + DAY);
    expect(rows).toHaveLength(2);
  });

  it('tries the refused case again rather than moving on', async () => {
    const caps = { default: 0 };
    const { sent, tickAt } = harness({
      cases: () => [canaryCase('c1'), canaryCase('c2'), canaryCase('c3')],
      monthlyCapUsd: caps,
    });
    await tickAt(lastDay);
    await tickAt(lastDay + 30_000);
    expect(sent).toEqual([]);
    caps.default = 1_000_000;
    await tickAt(lastDay + 60_000);
    await tickAt(lastDay + 90_000);
    expect(sent.map((entry) => entry.caseId)).toEqual(['c1', 'c2']);
  });

  it("reads a provider's spend once a month, and again in the next", async () => {
    const { reads, tickAt, sent } = harness({
      deployments: () => [dollarDeployment('p'), { ...dollarDeployment('p'), deploymentId: 'p/other' }],
    });
    await tickAt(lastDay);
    await tickAt(lastDay + 30_000);
    expect(sent).toHaveLength(4);
    expect(reads()).toBe(1);
    await tickAt(Date.UTC(2026, 1, 1, 1));
    expect(reads()).toBe(2);
    expect(sent).toHaveLength(6);
  });

  it('counts what a run cost, releases its reservation, and the worst case when the sender threw', async () => {
    let fail = false;
    const { scheduler, tickAt, errors, rows, seen } = harness({
      cases,
      send: async (target, canary) => {
        if (fail) throw new Error('sender broke');
        return result(target, canary, lastDay, 5);
      },
      // Room for $154 + $5 + $154 + the next $154 only if every reservation was released.
      monthlyCapUsd: { default: 154 * 3 + 5 },
    });
    expect(scheduler.spentThisMonth('p')).toBe(0);
    await tickAt(lastDay);
    expect(scheduler.spentThisMonth('p')).toBe(5);
    expect(scheduler.spentThisMonth('elsewhere')).toBe(0);
    fail = true;
    await tickAt(lastDay + 30_000);
    expect(scheduler.spentThisMonth('p')).toBe(159);
    expect(errors).toEqual([new Error('sender broke')]);
    expect(rows).toHaveLength(1);
    expect(seen).toHaveLength(1);
    fail = false;
    await tickAt(lastDay + 60_000);
    await tickAt(lastDay + 90_000);
    expect(scheduler.spentThisMonth('p')).toBe(169);
    expect(rows).toHaveLength(3);
  });

  it("carries a run in flight at the month's end into the new month's reservations", async () => {
    const midnight = Date.UTC(2026, 1, 1);
    const draws = [0, 0.5, 0.5];
    const hanging: Array<() => void> = [];
    const two = [dollarDeployment('p'), { ...dollarDeployment('p'), deploymentId: 'p/other' }];
    const { rows, skipped, scheduler, clock } = harness({
      cases,
      now: midnight - 5_000,
      random: () => draws.shift() ?? 0.5,
      deployments: () => two,
      // February's first day allows 1.5 runs: this one in flight and another do not fit.
      monthlyCapUsd: { default: 28 * 154 * 1.5 },
      send: async (target, canary) => {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return result(target, canary, clock.now(), 154);
      },
    });
    const first = scheduler.tick(clock.now());
    await until(() => hanging.length === 1);
    clock.set(midnight + 5_000);
    await scheduler.tick(clock.now());
    expect(skipped.map(([id, reason]) => `${id} ${reason}`)).toEqual(['p/other pacing']);
    hanging[0]?.();
    await first;
    expect(rows).toHaveLength(1);
  });

  it('skips a deployment whose spend cannot be read, and reads again when it is next due', async () => {
    let broken = true;
    const { sent, errors, tickAt } = harness({
      store: {
        recordCanaryResults: async () => undefined,
        sumCanaryCost: async () => {
          if (broken) throw new Error('store down');
          return 0;
        },
      },
    });
    await tickAt(lastDay);
    expect(sent).toEqual([]);
    expect(errors).toEqual([new Error('store down')]);
    broken = false;
    await tickAt(lastDay + 1_000);
    expect(sent).toEqual([]);
    await tickAt(lastDay + 16_000);
    expect(sent).toHaveLength(1);
  });

  it('still tells onResult of a result the store failed to record', async () => {
    const { seen, errors, tickAt } = harness({
      store: {
        recordCanaryResults: async () => {
          throw new Error('disk full');
        },
        sumCanaryCost: async () => 0,
      },
    });
    await tickAt(lastDay);
    expect(errors).toEqual([new Error('disk full')]);
    expect(seen.map((entry) => entry.caseId)).toEqual(['c1']);
  });

  it('keeps the reservation of a run started by a tick that read the spend at the same time', async () => {
    const pending: Array<(value: number) => void> = [];
    const hanging: Array<() => void> = [];
    const two = [dollarDeployment('p'), { ...dollarDeployment('p'), deploymentId: 'p/other' }];
    const { sent, skipped, scheduler, clock } = harness({
      cases,
      deployments: () => two,
      monthlyCapUsd: { default: 154 * 1.5 },
      store: {
        recordCanaryResults: async () => undefined,
        sumCanaryCost: () => new Promise<number>((resolve) => pending.push(resolve)),
      },
      send: async (target, canary) => {
        sent.push({ deployment: target.deploymentId, caseId: canary.id, at: clock.now() });
        await new Promise<void>((resolve) => hanging.push(resolve));
        return result(target, canary, clock.now(), 154);
      },
    });
    // Both ticks wait on a read of p's spend: the first for p/up-m, the second for p/other.
    const first = scheduler.tick(clock.now());
    const second = scheduler.tick(clock.now());
    await until(() => pending.length === 2);
    pending[0]?.(0);
    await until(() => sent.length === 1);
    pending[1]?.(0);
    await until(() => skipped.length === 1);
    expect(skipped.map(([id, reason]) => `${id} ${reason}`)).toEqual(['p/other cap']);
    for (const resolve of hanging) resolve();
    await Promise.all([first, second]);
    expect(sent.map((entry) => entry.deployment)).toEqual(['p/up-m']);
  });
});

describe('CanaryScheduler without callbacks', () => {
  it('runs, skips and survives store errors with none of its optional callbacks', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const recorded: string[] = [];
    const scheduler = new CanaryScheduler({
      deployments: () => [dollarDeployment('ok'), dollarDeployment('paused'), dollarDeployment('unread')],
      cases: () => [canaryCase('c1')],
      send: async (target, canary) => result(target, canary, clock.now(), 0),
      status: (id) => deploymentStatus(id === 'paused/up-m' ? { drained: true } : {}),
      store: {
        recordCanaryResults: async (batch) => {
          recorded.push(...batch.map((row) => row.deployment));
          throw new Error('disk full');
        },
        sumCanaryCost: async (provider) => {
          if (provider === 'unread') throw new Error('store down');
          return 0;
        },
      },
      clock,
      random: () => 0,
      monthlyCapUsd: { default: 1_000_000 },
    });
    await expect(scheduler.tick(clock.now())).resolves.toBeUndefined();
    expect(recorded).toEqual(['ok/up-m']);
    const throwing = new CanaryScheduler({
      ...harnessOptions(clock),
      send: async () => {
        throw new Error('sender broke');
      },
    });
    await expect(throwing.tick(clock.now())).resolves.toBeUndefined();
  });
});

describe('CanaryScheduler start and stop', () => {
  it('ticks on its timer, reports a failing tick, and stop aborts and awaits the canaries in flight', async () => {
    const sending = deferred();
    const errors: unknown[] = [];
    const signals: AbortSignal[] = [];
    const { store, rows } = resultLog();
    let readyCalls = 0;
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const scheduler = new CanaryScheduler({
      ...harnessOptions(clock),
      store,
      tickMs: 1,
      ready: async () => {
        readyCalls += 1;
        if (readyCalls === 1) throw new Error('not ready');
      },
      onError: (error) => errors.push(error),
      send: (target, canary, signal) => {
        signals.push(signal);
        sending.resolve();
        return new Promise((resolve) => {
          // It ends a few turns of the event loop after the abort: stop() must wait for it.
          signal.addEventListener('abort', () =>
            setImmediate(() => setImmediate(() => resolve(result(target, canary, clock.now(), 0)))),
          );
        });
      },
    });
    scheduler.start();
    // The first tick failed in ready(); the timer's second one sends.
    await sending.promise;
    expect(errors).toEqual([new Error('not ready')]);
    expect(signals[0]?.aborted).toBe(false);
    await scheduler.stop();
    expect(signals[0]?.aborted).toBe(true);
    // The aborted run still ended and was stored before stop resolved.
    expect(rows).toHaveLength(1);
  });

  it('keeps one timer however often it is started, and none once stopped', async () => {
    const firstRead = deferred();
    let reads = 0;
    const scheduler = new CanaryScheduler({
      ...harnessOptions(),
      tickMs: 1,
      cases: () => [],
      deployments: () => {
        reads += 1;
        firstRead.resolve();
        return [];
      },
    });
    scheduler.start();
    scheduler.start();
    await firstRead.promise;
    await scheduler.stop();
    const afterStop = reads;
    // A 1 ms interval still armed would fire before this 5 ms timer.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reads).toBe(afterStop);
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reads).toBe(afterStop);
  });

  it('launches nothing when stopped while reading the spend', async () => {
    let resolveRead: ((value: number) => void) | undefined;
    const sent: string[] = [];
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const scheduler = new CanaryScheduler({
      ...harnessOptions(clock),
      store: {
        recordCanaryResults: async () => undefined,
        sumCanaryCost: () =>
          new Promise<number>((resolve) => {
            resolveRead = resolve;
          }),
      },
      send: async (target, canary) => {
        sent.push(target.deploymentId);
        return result(target, canary, clock.now(), 0);
      },
    });
    const tick = scheduler.tick(clock.now());
    await until(() => resolveRead !== undefined);
    await scheduler.stop();
    resolveRead?.(0);
    await tick;
    expect(sent).toEqual([]);
  });
});

function harnessOptions(clock = new ManualClock(Date.UTC(2026, 0, 31, 12))): CanarySchedulerOptions {
  return {
    deployments: () => [dollarDeployment('p')],
    cases: () => [canaryCase('c1')],
    send: async (target, canary) => result(target, canary, clock.now(), 0),
    status: () => deploymentStatus(),
    store: resultLog().store,
    clock,
    random: () => 0,
    monthlyCapUsd: { default: 1_000_000 },
  };
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Lets pending promise callbacks run until `condition` holds (no timers: a bounded number of turns). */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000; turn += 1) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
