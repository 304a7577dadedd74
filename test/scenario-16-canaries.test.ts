import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../src/store/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// SCENARIOS.md 16 with the quality canaries running: the incident's evidence must say what the
// seed's users needed to hear — the canaries on the hosts that answered were fine, so the model's
// quality was unaffected; this was infrastructure.

const ROUND_MS = 25_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function ask(current: Stack, model: string): Promise<number> {
  const response = await fetch(`${current.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: hello' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('16 with canaries: the evidence rules model quality out', () => {
  it('opens one infrastructure incident per model whose evidence says the canaries were unaffected', async () => {
    const clock = new OffsetClock();
    stack = await startStack({
      config: (simUrl) => `
providers:
  a: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
models:
  m:  { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  m2: { deployments: [ { provider: a, model: up-m2 }, { provider: b, model: up-m2 } ] }
canaries: { every: 20s }
timeouts: { connect: 2s, firstToken: 3s, idle: 3s, total: 20s }
retry: { backoffBase: 20ms, backoffMax: 100ms }
health:
  demotion: { minRequests: 8 }
  probes: { enabled: false }
status: { interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s }
`,
      sim: { seed: 16 },
      detour: { clock, random: seededRandom(16) },
    });
    const current = stack;
    const canaries = current.detour.canaries;
    if (canaries === undefined) throw new Error('canaries are off');
    const round = async () => {
      clock.advance(ROUND_MS);
      await canaries.scheduler.tick(clock.now());
    };
    // Canaries before the storm: every host answers them right.
    // Past the 50 graded runs each host needs for its baseline.
    for (let index = 0; index < 60; index += 1) await round();

    for (const model of ['up-m', 'up-m2']) {
      current.sim.setFault({ host: 'a', model, fault: { type: 'status', status: 529 }, probability: 0.4 });
      current.sim.setFault({ host: 'a', model, fault: { type: 'status', status: 500 }, probability: 0.2 });
    }
    // Canaries during the storm: host a's fail (a host that did not answer says nothing about
    // quality, so they are not graded); host b's are graded.
    for (let index = 0; index < 4; index += 1) await round();
    const statuses: number[] = [];
    for (let index = 0; index < 60; index += 1)
      statuses.push(await ask(current, index % 2 === 0 ? 'm' : 'm2'));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    const detector = current.detour.status.detector;
    await detector.evaluate();
    clock.advance(2_100);
    await detector.evaluate();
    // One more evaluation takes each incident to `identified`, whose text names the cause.
    await detector.evaluate();
    const incidents = await current.detour.status.store.listIncidents({ open: true });
    expect(incidents.map((incident) => incident.components[0]).sort()).toEqual(['m', 'm2']);
    for (const incident of incidents as Incident[]) {
      expect(['overloaded', 'outage']).toContain(incident.kind);
      const evidence = incident.evidence as {
        canaries: {
          measured: boolean;
          verdict: string;
          passRate: number;
          graded: number;
          alarms: string[];
          note: string;
        };
      };
      expect(evidence.canaries).toMatchObject({
        measured: true,
        verdict: 'unaffected',
        passRate: 1,
        alarms: [],
      });
      expect(evidence.canaries.graded).toBeGreaterThan(0);
      expect(evidence.canaries.note).toMatch(
        /^canary pass rate 100% on the hosts that answered \(\d+ runs in the last 15m\): model quality unaffected$/,
      );
      // The public timeline carries the sentence.
      const identified = incident.updates.find((update) => update.status === 'identified');
      expect(identified?.body).toContain('model quality unaffected');
    }
    expect(canaries.monitor.alarms()).toEqual([]);
  }, 60_000);
});
