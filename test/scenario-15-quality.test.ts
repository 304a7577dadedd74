import { afterEach, describe, expect, it } from 'vitest';
import { expectedSampleNumber } from '../src/canaries/index.js';
import type { Incident } from '../src/store/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// SCENARIOS.md 15: a host answers 200 with wrong answers (canary accuracy 0.8 → 0.6). Real
// canaries from the built-in suites go through the real simulator; the clock jumps a canary gap
// per round and the test runs the scheduler's rounds itself (its timer would only add more).

/** More than the longest jittered gap (every × 1.2), so each deployment is due every round. */
const ROUND_MS = 25_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function threeHosts(simUrl: string): string {
  return `
server: { adminKey: scenario-15-admin }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
  c: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/c }
models:
  m:
    deployments:
      - { provider: a, model: up-m }
      - { provider: b, model: up-m }
      - { provider: c, model: up-m }
    quality: { onAlarm: demote }
  plain:
    deployments:
      - { provider: a, model: up-plain }
      - { provider: b, model: up-plain }
canaries: { every: 20s }
status: { interval: 1h }
timeouts: { connect: 2s, firstToken: 5s, idle: 5s, total: 20s }
`;
}

async function start(clock: OffsetClock): Promise<Stack> {
  stack = await startStack({
    config: threeHosts,
    sim: { seed: 15 },
    detour: { clock, random: seededRandom(15) },
  });
  return stack;
}

/** The deployment that answered one request for `model`. */
async function servedBy(current: Stack, model: string): Promise<string | null> {
  const response = await fetch(`${current.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: which host?' }] }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get('x-detour-deployment');
}

/** One canary per deployment: the clock jumps a gap, the scheduler sends what is due. */
async function round(current: Stack, clock: OffsetClock): Promise<void> {
  clock.advance(ROUND_MS);
  await current.detour.canaries?.scheduler.tick(clock.now());
}

describe('scenario 15: HTTP 200 but wrong answers on one host', () => {
  it('raises a quality alarm on that host only within the SPRT expected sample count, opens a quality incident, and leaves uptime alone', async () => {
    const clock = new OffsetClock();
    const current = await start(clock);
    const canaries = current.detour.canaries;
    if (canaries === undefined) throw new Error('canaries are off');
    // A realistic model: 20 % of canaries wrong on every host.
    for (const host of ['a', 'b', 'c'])
      current.sim.setFault({ host, fault: { type: 'wrong_answer' }, probability: 0.2 });

    const warm = 300;
    for (let index = 0; index < warm; index += 1) await round(current, clock);
    expect(canaries.monitor.alarms()).toEqual([]);
    expect(canaries.monitor.status('a/up-m')?.phase).not.toBe('learning');

    // Before any alarm, requests go to the first deployment.
    expect(await servedBy(current, 'm')).toBe('a/up-m');

    // Host a now answers 40 % wrong.
    current.sim.clearFaults('a');
    current.sim.setFault({ host: 'a', model: 'up-m', fault: { type: 'wrong_answer' }, probability: 0.4 });
    current.sim.setFault({ host: 'a', model: 'up-plain', fault: { type: 'wrong_answer' }, probability: 0.2 });
    const baseline = canaries.monitor.status('a/up-m')?.baseline?.p0 ?? 0;
    const droppedAt = clock.now();
    const asn = expectedSampleNumber({ p0: baseline, p1: baseline - 0.05, alpha: 0.01, beta: 0.05 }, 0.6);
    const limit = Math.ceil(4 * asn);
    let rounds = 0;
    while (canaries.monitor.alarms().length === 0 && rounds < limit) {
      await round(current, clock);
      rounds += 1;
    }
    const alarms = canaries.monitor.alarms();
    expect(alarms.map((alarm) => alarm.deployment)).toEqual(['a/up-m']);
    expect(alarms[0]?.attribution).toBe('host');
    expect(rounds).toBeLessThanOrEqual(limit);
    // The metrics say so too.
    const metrics = await (await fetch(`${current.detour.url}/metrics`)).text();
    expect(metrics).toContain('detour_quality_alarm{deployment="a/up-m"} 1');
    expect(metrics).toContain('detour_quality_alarm{deployment="b/up-m"} 0');
    expect(metrics).toMatch(/detour_canary_runs_total\{deployment="a\/up-m",result="fail"\} [1-9]/);

    // The console's health page shows it beside the breaker.
    const login = await fetch(`${current.detour.url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'adminKey=scenario-15-admin',
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await (await fetch(`${current.detour.url}/console/health`, { headers: { cookie } })).text();
    const rowOf = (id: string) =>
      new RegExp(`<tr data-deployment="${id.replace('/', '\\/')}">(.*?)</tr>`).exec(page)?.[1] ?? '';
    expect(rowOf('a/up-m')).toMatch(/<span class="pill bad">Answers degraded · \d+% of \d+<\/span>/);
    expect(rowOf('b/up-m')).toMatch(/<span class="pill ok">Canaries pass · \d+% of \d+<\/span>/);

    // quality.onAlarm: demote — m now tries a only after its healthy peers; `plain`, on the same
    // host with the default (alert), keeps a first.
    expect(current.detour.state.qualityDemoted).toEqual(new Set(['a/up-m']));
    expect(await servedBy(current, 'm')).toBe('b/up-m');
    expect(await servedBy(current, 'plain')).toBe('a/up-plain');
    // The SPRT's own alarm (the suspicion) comes first; confirmation then needs fresh runs.
    const suspectedAfter = Math.ceil(((alarms[0]?.suspectedAt ?? 0) - droppedAt) / ROUND_MS);
    expect(suspectedAfter).toBeGreaterThan(0);
    expect(suspectedAfter).toBeLessThan(rounds);
    process.stdout.write(
      `scenario 15: SPRT alarm on a/up-m after ${suspectedAfter} canaries since the drop, public after ${rounds} (baseline p0 ${baseline.toFixed(3)}, ASN under 0.6 ${asn.toFixed(0)}, limit ${limit})\n`,
    );

    // The results are in the store, graded per suite, costing nothing on unpriced hosts.
    const tallies = await current.detour.status.store.tallyCanaries({ from: 0, model: 'm' });
    expect(new Set(tallies.map((tally) => tally.deployment))).toEqual(
      new Set(['a/up-m', 'b/up-m', 'c/up-m']),
    );
    expect(tallies.reduce((sum, tally) => sum + tally.graded, 0)).toBeGreaterThan(3 * warm);

    // A quality incident about host a only; requests still succeed.
    await current.detour.status.detector.evaluate();
    const incidents = await current.detour.status.store.listIncidents({ open: true });
    expect(incidents).toHaveLength(1);
    const incident = incidents[0] as Incident;
    expect(incident).toMatchObject({
      kind: 'quality',
      impact: 'none',
      components: ['m'],
      deployments: ['a/up-m'],
    });
    expect(incident.title).toBe('m: answers degraded on a/up-m');
    const evidence = incident.evidence as {
      attribution: string;
      countsAsDowntime: boolean;
      deployments: Array<{
        id: string;
        baselineRate: number;
        currentRate: number;
        statistics: { sprt: unknown };
      }>;
      canaries: { verdict: string; alarms: string[] };
    };
    expect(evidence.attribution).toBe('host_fault');
    expect(evidence.countsAsDowntime).toBe(false);
    expect(evidence.deployments[0]?.currentRate).toBeLessThan(evidence.deployments[0]?.baselineRate ?? 0);
    expect(evidence.deployments[0]?.statistics.sprt).toBeDefined();
    expect(evidence.canaries).toMatchObject({ verdict: 'degraded', alarms: ['a/up-m'] });
    expect(incident.updates[0]?.body).toContain('Requests still succeed');

    // The status page: after the status hysteresis, host a shows degraded (never an outage) and
    // its siblings operational; the uptime bars count no downtime.
    clock.advance(180_000);
    await current.detour.status.detector.evaluate();
    const [model] = current.detour.status.detector.snapshot();
    expect(model?.status).toBe('degraded_performance');
    expect(Object.fromEntries((model?.deployments ?? []).map((d) => [d.id, d.status]))).toEqual({
      'a/up-m': 'degraded_performance',
      'b/up-m': 'operational',
      'c/up-m': 'operational',
    });
    // explain names it: quality, on host a, with the canary numbers.
    const explained = (await (
      await fetch(`${current.detour.url}/admin/explain?model=m&since=1h`, {
        headers: { authorization: 'Bearer scenario-15-admin' },
      })
    ).json()) as { verdict: string; findings: Array<{ kind: string; deployment: string }>; summary: string };
    expect(explained.verdict).toBe('quality');
    expect(explained.findings.map((finding) => [finding.kind, finding.deployment])).toEqual([
      ['quality', 'a/up-m'],
    ]);

    const uptime = await current.detour.status.store.dailyUptime('m', 1, clock.now());
    for (const day of uptime) {
      expect(day.minutes.major_outage ?? 0).toBe(0);
      expect(day.minutes.partial_outage ?? 0).toBe(0);
    }
  }, 120_000);
});
