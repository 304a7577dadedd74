import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanaryResult } from '../src/canaries/index.js';
import { SqliteStore } from '../src/store/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// A quality incident left open by a previous run is taken over on its own timeline: host trouble
// after the restart opens an infrastructure incident beside it, and never "returns" inside it.

let stack: Stack | undefined;
let folder: string | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/** Three days of canary history a previous run left: three hosts at 0.8, then host a at 0.6. */
async function writeHistory(path: string, clock: OffsetClock): Promise<void> {
  const before = new SqliteStore({ path });
  const random = seededRandom(42);
  const rows: CanaryResult[] = [];
  const start = clock.now() - 3 * 86_400_000;
  for (let round = 0; round < 700; round += 1) {
    for (const host of ['a', 'b', 'c']) {
      const accuracy = host === 'a' && round >= 400 ? 0.6 : 0.8;
      rows.push({
        deployment: `${host}/up-m`,
        model: 'm',
        provider: host,
        suite: 'arithmetic',
        caseId: 'arith-1',
        at: start + round * 20_000,
        pass: random() < accuracy,
        detail: '',
        latencyMs: 1,
        costUsd: 0,
        responseModel: 'up-m',
      });
    }
  }
  await before.recordCanaryResults(rows);
  await before.close();
}

function threeHosts(path: string, simUrl: string): string {
  return `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
  c: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/c/v1 }
models:
  m:
    deployments:
      - { provider: a, model: up-m }
      - { provider: b, model: up-m }
      - { provider: c, model: up-m }
    quality: { onAlarm: demote }
store: { sqlite: ${path} }
canaries: { every: 1h }
health: { probes: { enabled: false } }
status: { interval: 1h }
`;
}

describe('a quality incident across a restart', () => {
  it('continues on its own timeline, beside a new infrastructure incident', async () => {
    folder = mkdtempSync(join(tmpdir(), 'detour-quality-restart-'));
    const path = join(folder, 'detour.db');
    const clock = new OffsetClock();
    const before = new SqliteStore({ path });
    const opened = clock.now() - 600_000;
    const quality = await before.createIncident(
      {
        id: 'inc_quality_before',
        kind: 'quality',
        status: 'identified',
        impact: 'none',
        title: 'm: answers degraded on a/up-m',
        components: ['m'],
        deployments: ['a/up-m'],
        startedAt: opened,
        updatedAt: opened,
        evidence: { kind: 'quality' },
        manual: false,
      },
      { at: opened, status: 'identified', body: 'Cause: a fault of that host.' },
    );
    await before.close();

    const current = await startStack({
      config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
store: { sqlite: ${path} }
health: { probes: { enabled: false }, demotion: { minRequests: 8 } }
status: { interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s }
`,
      store: 'config',
      detour: { clock },
    });
    stack = current;
    const detector = current.detour.status.detector;
    const store = current.detour.status.store;
    // No canary alarm after the restart: the taken-over quality incident goes to monitoring.
    await detector.evaluate();
    expect((await store.getIncident(quality.id))?.status).toBe('monitoring');

    // Host a fails now: an infrastructure incident of its own.
    current.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 12; index += 1) {
      const response = await fetch(`${current.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: hi' }] }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    await detector.evaluate();
    clock.advance(2_100);
    await detector.evaluate();
    const open = await store.listIncidents({ open: true });
    expect(open.map((incident) => incident.kind).sort()).toEqual(['overloaded', 'quality']);
    const after = await store.getIncident(quality.id);
    expect(after?.status).toBe('monitoring');
    expect(after?.updates.map((update) => update.body).join(' ')).not.toContain('The problem returned');

    // And a clean canary period resolves it.
    clock.advance(10_100);
    await detector.evaluate();
    expect((await store.getIncident(quality.id))?.status).toBe('resolved');
  });

  it('takes the canary statistics over from the store: a drop seen before the restart is an alarm again before any new canary', async () => {
    folder = mkdtempSync(join(tmpdir(), 'detour-quality-history-'));
    const path = join(folder, 'detour.db');
    const clock = new OffsetClock();
    await writeHistory(path, clock);

    const current = await startStack({
      config: (simUrl) => threeHosts(path, simUrl),
      store: 'config',
      detour: { clock },
    });
    stack = current;
    const canaries = current.detour.canaries;
    if (canaries === undefined) throw new Error('canaries are off');
    expect(canaries.monitor.alarms()).toEqual([]);
    // The first round reads the history in before it sends anything.
    await canaries.scheduler.tick(clock.now());
    expect(canaries.monitor.alarms().map((alarm) => [alarm.deployment, alarm.attribution])).toEqual([
      ['a/up-m', 'host'],
    ]);
    expect(canaries.monitor.status('b/up-m')?.phase).toBe('healthy');
    await current.detour.status.detector.evaluate();
    const open = await current.detour.status.store.listIncidents({ open: true });
    expect(open.map((incident) => [incident.kind, incident.deployments])).toEqual([['quality', ['a/up-m']]]);
  });

  it('follows the lease: only the holder judges canaries and demotes; a replica that loses it drops its alarms, the next holder reads the history', async () => {
    folder = mkdtempSync(join(tmpdir(), 'detour-quality-lease-'));
    const path = join(folder, 'detour.db');
    const clock = new OffsetClock();
    await writeHistory(path, clock);
    const first = await startStack({
      config: (simUrl) => threeHosts(path, simUrl),
      store: 'config',
      detour: { clock },
    });
    stack = first;
    const second = await startStack({
      config: (simUrl) => threeHosts(path, simUrl),
      store: 'config',
      detour: { clock },
    });
    try {
      const [one, two] = [first.detour, second.detour];
      expect([one.status.detector.isLeader(), two.status.detector.isLeader()]).toEqual([true, false]);
      await one.canaries?.scheduler.tick(clock.now());
      await two.canaries?.scheduler.tick(clock.now());
      expect(one.canaries?.monitor.alarms().map((alarm) => alarm.deployment)).toEqual(['a/up-m']);
      expect(one.state.qualityDemoted).toEqual(new Set(['a/up-m']));
      expect(two.canaries?.monitor.alarms()).toEqual([]);
      expect(two.state.qualityDemoted.size).toBe(0);

      // The first replica hands the lease over (its detector stops); the second takes it.
      await one.status.detector.stop();
      await two.status.detector.evaluate();
      expect(two.status.detector.isLeader()).toBe(true);
      await one.canaries?.scheduler.tick(clock.now());
      await two.canaries?.scheduler.tick(clock.now());
      expect(one.canaries?.monitor.alarms()).toEqual([]);
      expect(one.state.qualityDemoted.size).toBe(0);
      expect(two.canaries?.monitor.alarms().map((alarm) => alarm.deployment)).toEqual(['a/up-m']);
      expect(two.state.qualityDemoted).toEqual(new Set(['a/up-m']));
    } finally {
      await second.close();
    }
  });
});
