import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import type { Alert, Incident, Maintenance, WebhookDelivery } from '../src/store/index.js';
import { type Stack, startStack } from './support/start-stack.js';

// The status page's operator routes (README "Admin API": incidents, alerts, maintenance, webhook
// deliveries), each field and filter checked through HTTP on one gateway. The detector's timer is
// off (interval 1 h) and the clock is manual, so every time a route stamps is known exactly.

const ADMIN = 'admin-incidents-key';
const START = Date.UTC(2026, 10, 30, 12);
const clock = new ManualClock(START);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
models:
  solo: { deployments: [ { provider: a, model: up-solo } ] }
retry: { backoffBase: 10ms, backoffMax: 20ms }
health: { probes: { enabled: false } }
status: { interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s }
webhooks: [ { url: 'http://127.0.0.1:9/never', secret: hook-secret } ]
`,
    detour: { clock },
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
});

async function admin(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function openByHand(title: string, extra: Record<string, unknown> = {}): Promise<Incident> {
  const created = await admin('POST', '/admin/incidents', {
    title,
    components: ['solo'],
    body: `${title}: first words`,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body.incident as Incident;
}

/** Event types the outbox holds for one incident, oldest first (the store lists newest first). */
async function eventsFor(incidentId: string): Promise<string[]> {
  const deliveries = await stack.detour.status.store.listDeliveries({ limit: 500 });
  return deliveries
    .filter((delivery) => (delivery.event.incident as { id?: string } | undefined)?.id === incidentId)
    .reverse()
    .map((delivery) => delivery.event.type as string);
}

describe('opening an incident by hand', () => {
  it('stores what the operator gave with the defaults, stamped now, and queues incident.created', async () => {
    clock.set(START + 1_000);
    const incident = await openByHand('Defaults');
    expect(incident).toMatchObject({
      kind: 'outage',
      impact: 'minor',
      status: 'investigating',
      title: 'Defaults',
      components: ['solo'],
      deployments: [],
      startedAt: START + 1_000,
      updatedAt: START + 1_000,
      evidence: { note: 'opened by an operator' },
      manual: true,
    });
    expect(incident.id).toMatch(/^inc-/);
    expect(incident.updates).toEqual([
      expect.objectContaining({ at: START + 1_000, status: 'investigating', body: 'Defaults: first words' }),
    ]);
    expect(await eventsFor(incident.id)).toEqual(['incident.created']);
    const shown = await admin('GET', `/admin/incidents/${incident.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.incident).toEqual(incident);
  });

  it('keeps a kind, impact and status that are given', async () => {
    const incident = await openByHand('Given', { kind: 'latency', impact: 'major', status: 'identified' });
    expect(incident).toMatchObject({ kind: 'latency', impact: 'major', status: 'identified' });
    expect(incident.updates[0]?.status).toBe('identified');
  });

  it('refuses a body without components, naming the field, and an unknown id with 404', async () => {
    const refused = await admin('POST', '/admin/incidents', { title: 'x', body: 'y' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { param: 'components' } });
    expect((refused.body.error as { message: string }).message).toMatch(/^incident: components: /);
    const unknown = await admin('GET', '/admin/incidents/inc_nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { message: "no incident 'inc_nope'", param: 'id' } });
  });
});

describe('updating and resolving', () => {
  it('an update keeps the status and impact unless given, and only then queues incident.updated', async () => {
    const incident = await openByHand('Updated', { impact: 'major' });
    clock.set(START + 5_000);
    const plain = await admin('POST', `/admin/incidents/${incident.id}/updates`, { body: 'Looking.' });
    expect(plain.status).toBe(200);
    expect(plain.body.incident).toMatchObject({
      status: 'investigating',
      impact: 'major',
      updatedAt: START + 5_000,
    });
    expect((plain.body.incident as Incident).resolvedAt).toBeUndefined();
    const changed = await admin('POST', `/admin/incidents/${incident.id}/updates`, {
      body: 'Found it.',
      status: 'identified',
      impact: 'critical',
    });
    expect(changed.body.incident).toMatchObject({ status: 'identified', impact: 'critical' });
    expect((changed.body.incident as Incident).updates.map((update) => [update.status, update.body])).toEqual(
      [
        ['investigating', 'Updated: first words'],
        ['investigating', 'Looking.'],
        ['identified', 'Found it.'],
      ],
    );
    expect(await eventsFor(incident.id)).toEqual([
      'incident.created',
      'incident.updated',
      'incident.updated',
    ]);
  });

  it('an update to resolved stamps resolvedAt once and queues incident.resolved', async () => {
    const incident = await openByHand('Resolved by update');
    clock.set(START + 7_000);
    const resolved = await admin('POST', `/admin/incidents/${incident.id}/updates`, {
      body: 'Fixed.',
      status: 'resolved',
    });
    expect(resolved.body.incident).toMatchObject({ status: 'resolved', resolvedAt: START + 7_000 });
    clock.set(START + 9_000);
    const later = await admin('POST', `/admin/incidents/${incident.id}/updates`, {
      body: 'Postmortem linked.',
    });
    expect(later.body.incident).toMatchObject({ status: 'resolved', resolvedAt: START + 7_000 });
    const again = await admin('POST', `/admin/incidents/${incident.id}/resolve`, {});
    expect(again.body.incident).toMatchObject({ resolvedAt: START + 7_000 });
    expect(await eventsFor(incident.id)).toEqual([
      'incident.created',
      'incident.resolved',
      'incident.resolved',
      'incident.resolved',
    ]);
  });

  it('resolve without a body says an operator resolved it; with one, keeps the words', async () => {
    const first = await openByHand('Resolve default');
    clock.set(START + 11_000);
    const plain = await admin('POST', `/admin/incidents/${first.id}/resolve`);
    expect(plain.status).toBe(200);
    expect(plain.body.incident).toMatchObject({ status: 'resolved', resolvedAt: START + 11_000 });
    expect((plain.body.incident as Incident).updates.at(-1)).toMatchObject({
      status: 'resolved',
      body: 'Resolved by an operator.',
      at: START + 11_000,
    });
    const second = await openByHand('Resolve words');
    const worded = await admin('POST', `/admin/incidents/${second.id}/resolve`, { body: 'Rolled back.' });
    expect((worded.body.incident as Incident).updates.at(-1)?.body).toBe('Rolled back.');
    expect(await eventsFor(second.id)).toEqual(['incident.created', 'incident.resolved']);
    expect((await admin('POST', '/admin/incidents/inc_nope/updates', { body: 'x' })).status).toBe(404);
  });

  it('an update to resolved makes the detector let a detected incident go: trouble that goes on opens a new one', async () => {
    stack.sim.setFault({ host: 'a', model: 'up-solo', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 8; index += 1) {
      const response = await fetch(`${stack.detour.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'echo: hi' }] }),
      });
      await response.text();
    }
    const detector = stack.detour.status.detector;
    await detector.evaluate();
    clock.advance(2_000);
    await detector.evaluate();
    const detected = (await stack.detour.status.store.listIncidents({ open: true })).find(
      (incident) => !incident.manual,
    );
    expect(detected?.status).toBe('investigating');
    await admin('POST', `/admin/incidents/${detected!.id}/updates`, { body: 'Handled.', status: 'resolved' });
    clock.advance(1_000);
    await detector.evaluate();
    const open = (await stack.detour.status.store.listIncidents({ open: true })).filter(
      (incident) => !incident.manual,
    );
    expect(open.map((incident) => incident.id)).not.toContain(detected!.id);
    expect(open).toHaveLength(1);
    expect((await stack.detour.status.store.getIncident(detected!.id))?.status).toBe('resolved');
    for (const incident of open) await admin('POST', `/admin/incidents/${incident.id}/resolve`, {});
  });
});

describe('listing', () => {
  it('lists open incidents with open=true, resolved ones with open=false, and caps them by limit, newest first', async () => {
    const all = (await admin('GET', '/admin/incidents?limit=500')).body.incidents as Incident[];
    const open = (await admin('GET', '/admin/incidents?open=true&limit=500')).body.incidents as Incident[];
    const resolved = (await admin('GET', '/admin/incidents?open=false&limit=500')).body
      .incidents as Incident[];
    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThan(all.length);
    expect(open).toEqual(all.filter((incident) => incident.resolvedAt === undefined));
    expect(resolved.length).toBeGreaterThan(0);
    expect(resolved).toEqual(all.filter((incident) => incident.resolvedAt !== undefined));
    expect(all.map((incident) => incident.startedAt)).toEqual(
      [...all].map((incident) => incident.startedAt).sort((a, b) => b - a),
    );
    const two = (await admin('GET', '/admin/incidents?limit=2')).body.incidents as Incident[];
    expect(two.map((incident) => incident.id)).toEqual(all.slice(0, 2).map((incident) => incident.id));
    for (let index = all.length; index < 60; index += 1) await openByHand(`Filler ${index}`);
    expect(((await admin('GET', '/admin/incidents')).body.incidents as Incident[]).length).toBe(50);
    expect(((await admin('GET', '/admin/incidents?open=true')).body.incidents as Incident[]).length).toBe(50);
    const bad = await admin('GET', '/admin/incidents?open=yes');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('open');
  });

  it('filters alerts by open', async () => {
    const store = stack.detour.status.store;
    const base = { kind: 'auth', provider: 'a', deployment: 'a/up-solo' } as const;
    const kept = await store.recordAlert({ ...base, at: START, message: 'still open' });
    const gone = await store.recordAlert({ ...base, at: START, message: 'resolved' });
    await store.resolveAlert(gone.id, START + 1);
    const ids = async (path: string) =>
      ((await admin('GET', path)).body.alerts as Alert[]).map((alert) => alert.id);
    expect(await ids('/admin/alerts?open=true')).toContain(kept.id);
    expect(await ids('/admin/alerts?open=true')).not.toContain(gone.id);
    expect(await ids('/admin/alerts')).toEqual(expect.arrayContaining([kept.id, gone.id]));
    expect(await ids('/admin/alerts?open=false')).toContain(gone.id);
    expect(await ids('/admin/alerts?open=false')).not.toContain(kept.id);
    expect(await ids('/admin/alerts?limit=1')).toHaveLength(1);
  });

  it('filters webhook deliveries by status and caps them by limit', async () => {
    const all = (await admin('GET', '/admin/webhooks/deliveries?limit=500')).body
      .deliveries as WebhookDelivery[];
    expect(all.length).toBeGreaterThan(50);
    expect(((await admin('GET', '/admin/webhooks/deliveries')).body.deliveries as unknown[]).length).toBe(50);
    const pending = (await admin('GET', '/admin/webhooks/deliveries?status=pending&limit=500')).body
      .deliveries as WebhookDelivery[];
    expect(pending.length).toBe(all.length);
    expect(
      ((await admin('GET', '/admin/webhooks/deliveries?status=delivered')).body.deliveries as unknown[])
        .length,
    ).toBe(0);
    expect((await admin('GET', '/admin/webhooks/deliveries?status=lost')).status).toBe(400);
  });
});

describe('maintenance windows', () => {
  it('takes ISO times or epoch milliseconds, lists windows not yet over, and refuses an end not after the start', async () => {
    clock.set(START + 60_000);
    const iso = await admin('POST', '/admin/maintenance', {
      title: 'Upgrade',
      components: ['solo'],
      startsAt: '2026-11-30T13:00:00Z',
      endsAt: '2026-11-30T15:00:00+01:00',
      body: 'Planned.',
    });
    expect(iso.status).toBe(201);
    expect(iso.body.maintenance).toMatchObject({
      title: 'Upgrade',
      startsAt: Date.UTC(2026, 10, 30, 13),
      endsAt: Date.UTC(2026, 10, 30, 14),
      body: 'Planned.',
      createdAt: START + 60_000,
    });
    const refused = await admin('POST', '/admin/maintenance', {
      title: 'Backwards',
      components: ['solo'],
      startsAt: START + 10,
      endsAt: START + 10,
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('endsAt must be after startsAt');
    const past = await admin('POST', '/admin/maintenance', {
      title: 'Past',
      components: ['solo'],
      startsAt: START - 20_000,
      endsAt: START - 10_000,
    });
    expect(past.status).toBe(201);
    const listed = (await admin('GET', '/admin/maintenance')).body.maintenance as Maintenance[];
    expect(listed.map((window) => window.title)).toEqual(['Upgrade']);
  });
});
