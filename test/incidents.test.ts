import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../src/incidents/index.js';
import { type Incident, SqliteStore } from '../src/store/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// Issue 5: component statuses, incidents with evidence, alerts and webhooks, driven through the
// simulator. The detector's timer is off (interval 1 h); tests call `evaluate()` after moving an
// offset clock, so hysteresis and quiet periods are skipped over instead of waited for.

const clock = new OffsetClock();
let stack: Stack | undefined;
let hook:
  | { server: Server; url: string; received: Array<{ headers: IncomingMessage['headers']; body: string }> }
  | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await new Promise<void>((resolve) => (hook === undefined ? resolve() : hook.server.close(() => resolve())));
  hook = undefined;
});

async function startHook(failing = { now: false }): Promise<NonNullable<typeof hook>> {
  const received: NonNullable<typeof hook>['received'] = [];
  const server = createServer((request, response) => {
    if (failing.now) {
      request.resume();
      response.writeHead(503).end();
      return;
    }
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook = { server, url, received };
  return hook;
}

function config(webhookUrl?: string, publicModels?: string[]) {
  return (simUrl: string) => `
server: { adminKey: admin-secret }
providers:
  a: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/a, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:    { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  solo: { deployments: [ { provider: a, model: up-solo } ] }
timeouts: { connect: 1s, firstToken: 300ms, idle: 300ms, total: 10s }
retry: { backoffBase: 10ms, backoffMax: 50ms }
health:
  ejection: { baseTime: 10s, maxTime: 40s, jitter: 0, decayInterval: 10s }
  halfOpen: { probeAfter: 1s }
  probes: { enabled: false }
  slowness: { minCalls: 10, window: 10s, period: 1s, minSamplesPerPeriod: 3, warmupPeriods: 3 }
status: { title: Test status, interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s${publicModels === undefined ? '' : `, public: [${publicModels.join(', ')}]`} }
${webhookUrl === undefined ? '' : `webhooks: [ { url: ${webhookUrl}, secret: hook-secret } ]`}
`;
}

async function start(webhookUrl?: string, storePath?: string, publicModels?: string[]): Promise<Stack> {
  const store = storePath === undefined ? {} : { store: new SqliteStore({ path: storePath }) };
  stack = await startStack({
    config: config(webhookUrl, publicModels),
    detour: { clock, random: seededRandom(5), ...store },
  });
  return stack;
}

async function ask(model: string, stream = false, text = 'echo: fine'): Promise<number> {
  const response = await fetch(`${stack!.detour.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: text }] }),
  });
  await response.text();
  return response.status;
}

/** Moves time on and evaluates, as the detector's timer would. */
async function tick(ms: number): Promise<void> {
  clock.advance(ms);
  await stack!.detour.status.detector.evaluate();
}

function published() {
  const components = stack!.detour.status.detector.snapshot();
  const byName = new Map(components.map((component) => [component.name, component]));
  const deployments = new Map(
    components.flatMap((component) => component.deployments).map((d) => [d.id, d.status]),
  );
  return {
    model: (name: string) => byName.get(name)?.status,
    deployment: (id: string) => deployments.get(id),
  };
}

async function incidents(): Promise<Incident[]> {
  return stack!.detour.status.store.listIncidents({});
}

/** Ejects A's deployment of `model` with a 529 storm and then lets it recover through trials. */
async function restore(deployment: string): Promise<void> {
  const health = stack!.detour.state.health;
  clock.advance((health.status(deployment).openUntil ?? clock.now()) - clock.now() + 1);
  for (let trial = 0; trial < 3 && health.status(deployment).state !== 'closed'; trial += 1) {
    clock.advance(1_001);
    await stack!.detour.prober.tick();
  }
  expect(health.status(deployment).state).toBe('closed');
}

describe('a 529 storm on one deployment with a healthy second', () => {
  it('shows the deployment in major outage, the model operational, one overloaded incident whose evidence says users saw no errors; then monitoring and resolved', async () => {
    const { url, received } = await startHook();
    await start(url);
    stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 8; index += 1) expect(await ask('m')).toBe(200);
    await tick(0);
    await tick(2_100);
    expect(published().deployment('a/up-m')).toBe('major_outage');
    expect(published().model('m')).toBe('operational');

    const [incident, ...others] = await incidents();
    expect(others.filter((other) => other.components.includes('m'))).toHaveLength(0);
    expect(incident).toMatchObject({
      kind: 'overloaded',
      status: 'investigating',
      components: ['m'],
      deployments: ['a/up-m'],
    });
    const evidence = incident!.evidence as {
      users: { sawErrors: boolean; errors: number; requests: number };
      servedBy: Array<{ deployment: string }>;
      canaries: { note: string };
      deployments: Array<{ id: string; byClass: Record<string, number> }>;
    };
    expect(evidence.users).toMatchObject({ sawErrors: false, errors: 0, requests: 8 });
    expect(evidence.servedBy.map((entry) => entry.deployment)).toEqual(['b/up-m']);
    expect(evidence.deployments.find((d) => d.id === 'a/up-m')?.byClass.overloaded).toBe(5);
    expect(evidence.canaries.note).toBe('canaries: not yet measured');
    expect(incident!.updates[0]?.body).toContain('5 of 5 attempts to a/up-m failed');
    expect(incident!.updates[0]?.body).toContain('Users saw no errors');

    await tick(1_000);
    expect((await incidents())[0]?.status).toBe('identified');
    expect((await incidents())[0]?.updates.at(-1)?.body).toContain('overloaded (capacity at the provider)');

    stack!.sim.clearFaults();
    await restore('a/up-m');
    await tick(0);
    expect((await incidents())[0]?.status).toBe('monitoring');
    await tick(5_000);
    expect((await incidents())[0]?.status).toBe('monitoring');
    await tick(6_000);
    const resolved = (await incidents())[0];
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.updates.map((update) => update.status)).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'resolved',
    ]);
    // The deployment's own status follows its last minute of attempts, with the leave hysteresis.
    await tick(60_000);
    await tick(6_000);
    expect(published().deployment('a/up-m')).toBe('operational');

    // Every change went out through the outbox, signed.
    await stack!.detour.status.notifier.deliverDue();
    const types = received.map((entry) => (JSON.parse(entry.body) as { type: string }).type);
    expect(types).toEqual(
      expect.arrayContaining([
        'component.status_changed',
        'incident.created',
        'incident.updated',
        'incident.resolved',
      ]),
    );
    const first = received[0]!;
    expect(first.headers['x-detour-signature']).toBe(
      signWebhook('hook-secret', String(first.headers['x-detour-timestamp']), first.body),
    );
    const deliveries = await fetch(`${stack!.detour.url}/admin/webhooks/deliveries`, {
      headers: { authorization: 'Bearer admin-secret' },
    }).then((response) => response.json() as Promise<{ deliveries: Array<{ status: string }> }>);
    expect(deliveries.deliveries.length).toBe(received.length);
    expect(deliveries.deliveries.every((delivery) => delivery.status === 'delivered')).toBe(true);
  });
});

describe('the same storm on a model with one deployment', () => {
  it('shows the model in major outage', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 8; index += 1) expect(await ask('solo')).not.toBe(200);
    await tick(0);
    await tick(2_100);
    expect(published().model('solo')).toBe('major_outage');
    const [incident] = await incidents();
    expect(incident).toMatchObject({ components: ['solo'], impact: 'major' });
    expect((incident!.evidence as { users: { sawErrors: boolean } }).users.sawErrors).toBe(true);
    const summary = await fetch(`${stack!.detour.url}/api/v2/summary.json`).then(
      (response) =>
        response.json() as Promise<{
          status: { indicator: string };
          incidents: Array<{ incident_kind: string }>;
        }>,
    );
    expect(summary.status.indicator).toBe('critical');
    expect(summary.incidents[0]?.incident_kind).toBe('overloaded');
  });
});

describe('our side: rate limits and credentials', () => {
  it('a 429 storm raises an alert, opens no incident and leaves the public status alone', async () => {
    await start();
    stack!.sim.setFault({
      host: 'a',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '30' } },
    });
    for (let index = 0; index < 6; index += 1) expect(await ask('m')).toBe(200);
    await tick(0);
    await tick(2_100);
    await tick(2_100);
    const alerts = await stack!.detour.status.store.listAlerts({ open: true });
    expect(alerts.map((alert) => alert.kind)).toEqual(['rate_limited']);
    expect(await incidents()).toEqual([]);
    expect(published().model('m')).toBe('operational');
    expect(published().deployment('a/up-m')).toBe('operational');
  });

  it('a 401 raises an auth alert naming the provider and never the key', async () => {
    await start();
    stack!.sim.setFault({
      host: 'a',
      fault: {
        type: 'status',
        status: 401,
        errorType: 'authentication_error',
        message: 'invalid x-api-key key-a-secret',
      },
    });
    expect(await ask('m')).toBe(200);
    await tick(0);
    const response = await fetch(`${stack!.detour.url}/admin/alerts`, {
      headers: { authorization: 'Bearer admin-secret' },
    });
    const text = await response.text();
    const { alerts } = JSON.parse(text) as {
      alerts: Array<{ kind: string; provider: string; message: string }>;
    };
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'auth', provider: 'a' });
    expect(alerts[0]?.message).toContain('Provider "a"');
    expect(text).not.toContain('key-a-secret');
    expect(await incidents()).toEqual([]);
    const page = await fetch(`${stack!.detour.url}/status`).then((res) => res.text());
    expect(page).not.toContain('key-a-secret');
  });
});

describe('slow, not broken', () => {
  it('time to first token ×4 opens a latency incident', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 40 } });
    for (let period = 0; period < 5; period += 1) {
      clock.advance(1_000);
      for (let index = 0; index < 4; index += 1) expect(await ask('m', true)).toBe(200);
    }
    stack!.sim.clearFaults();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 160 } });
    clock.advance(11_000);
    for (let period = 0; period < 4; period += 1) {
      clock.advance(1_000);
      for (let index = 0; index < 4; index += 1) expect(await ask('m', true)).toBe(200);
    }
    expect(stack!.detour.state.health.status('a/up-m').degraded).toBe(true);
    await tick(0);
    await tick(2_100);
    const [incident] = await incidents();
    expect(incident?.kind).toBe('latency');
    expect(incident?.updates[0]?.body).toMatch(/p95 time to first token \d+ ms against its usual \d+ ms/);
    expect(published().deployment('a/up-m')).toBe('degraded_performance');
  });
});

describe('flapping', () => {
  it('opens one incident, not one per flap', async () => {
    await start();
    for (let flap = 0; flap < 3; flap += 1) {
      stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
      // After a restore A ramps up from 10 % of first tries: send until it is ejected again.
      for (
        let index = 0;
        index < 300 && stack!.detour.state.health.status('a/up-m').state === 'closed';
        index += 1
      ) {
        expect(await ask('m')).toBe(200);
      }
      expect(stack!.detour.state.health.status('a/up-m').state).toBe('open');
      await tick(0);
      await tick(2_100);
      stack!.sim.clearFaults();
      await restore('a/up-m');
      await tick(0);
    }
    const all = await incidents();
    expect(all).toHaveLength(1);
    expect(all[0]?.updates.filter((update) => update.body.startsWith('The problem returned'))).toHaveLength(
      2,
    );
  });
});

describe('admin: incidents by hand and maintenance', () => {
  it('opens, annotates and resolves an incident, and shows a maintenance window as under maintenance', async () => {
    await start();
    const admin = (path: string, body: unknown) =>
      fetch(`${stack!.detour.url}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-secret', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await admin('/admin/incidents', {
      title: 'Planned failover test',
      components: ['m'],
      body: 'We are testing.',
    });
    expect(created.status).toBe(201);
    const { incident } = (await created.json()) as { incident: Incident };
    const updated = await admin(`/admin/incidents/${incident.id}/updates`, {
      body: 'Still testing.',
      status: 'monitoring',
    });
    expect(((await updated.json()) as { incident: Incident }).incident.status).toBe('monitoring');
    const resolved = await admin(`/admin/incidents/${incident.id}/resolve`, {});
    expect(((await resolved.json()) as { incident: Incident }).incident).toMatchObject({
      status: 'resolved',
      manual: true,
    });
    expect((await admin('/admin/incidents/inc_nope/resolve', {})).status).toBe(404);
    expect((await admin('/admin/incidents', { title: 'x' })).status).toBe(400);

    const now = clock.now();
    const window = await admin('/admin/maintenance', {
      title: 'Host a upgrade',
      components: ['m'],
      startsAt: now - 1_000,
      endsAt: now + 3_600_000,
    });
    expect(window.status).toBe(201);
    await tick(0);
    expect(published().model('m')).toBe('under_maintenance');
    const summary = await fetch(`${stack!.detour.url}/api/v2/status.json`).then(
      (response) => response.json() as Promise<{ status: { indicator: string } }>,
    );
    expect(summary.status.indicator).toBe('maintenance');
    const unauthorised = await fetch(`${stack!.detour.url}/admin/incidents`);
    expect(unauthorised.status).toBe(401);
  });
});

describe('webhook outbox', () => {
  it('delivers an event that failed before a restart, after it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'detour-outbox-'));
    try {
      const failing = { now: true };
      const { url, received } = await startHook(failing);
      const path = join(folder, 'detour.db');
      await start(url, path);
      stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
      for (let index = 0; index < 8; index += 1) await ask('m');
      await tick(0);
      await tick(2_100);
      await stack!.detour.status.notifier.deliverDue();
      const pending = await stack!.detour.status.store.listDeliveries({ status: 'pending' });
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((delivery) => delivery.attempts === 1 && delivery.lastError === 'HTTP 503')).toBe(
        true,
      );
      await stack!.close();
      stack = undefined;

      failing.now = false;
      await start(url, path);
      clock.advance(2_000);
      await stack!.detour.status.notifier.deliverDue();
      const delivered = received.map((entry) => (JSON.parse(entry.body) as { type: string }).type);
      expect(delivered).toContain('incident.created');
      expect(await stack!.detour.status.store.listDeliveries({ status: 'pending' })).toEqual([]);
    } finally {
      await stack?.close();
      stack = undefined;
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('what is public', () => {
  it('shows only the configured public models, with the configured title', async () => {
    await start(undefined, undefined, ['m']);
    const page = await fetch(`${stack!.detour.url}/status`).then((response) => response.text());
    expect(page).toContain('<title>Test status</title>');
    expect(page).toContain('id="c-m"');
    expect(page).not.toContain('id="c-solo"');
    const components = await fetch(`${stack!.detour.url}/api/v2/components.json`).then((response) =>
      response.text(),
    );
    expect(components).toContain('a/up-m');
    expect(components).not.toContain('up-solo');
  });
});
