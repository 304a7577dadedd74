import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { type Incident, SqliteStore, type Store, type WebhookDelivery } from '../store/index.js';
import type { StatusEvent } from './status-event.js';
import { summariseEvent, WebhookNotifier, type WebhookTarget } from './webhook-notifier.js';

/** A real HTTP receiver on 127.0.0.1 that answers every POST with `status`. */
interface Receiver {
  url: string;
  received: Array<{ method: string | undefined; headers: IncomingHttpHeaders; body: string }>;
  server: Server;
}

const servers: Server[] = [];
const stores: Store[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/** `hold`: answers wait for it; `arrived` is called as each request's body is read. */
async function receiver(
  status: number,
  options: { hold?: Promise<void>; arrived?: () => void } = {},
): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ method: request.method, headers: request.headers, body });
      options.arrived?.();
      void (options.hold ?? Promise.resolve()).then(() => response.writeHead(status).end());
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

function setup(targets: WebhookTarget[], options: ConstructorParameters<typeof WebhookNotifier>[3] = {}) {
  const clock = new ManualClock();
  const store = new SqliteStore({ path: ':memory:' });
  stores.push(store);
  const notifier = new WebhookNotifier(store, () => targets, clock, options);
  const only = async (): Promise<WebhookDelivery> => {
    const [delivery, ...others] = await store.listDeliveries({});
    expect(others).toEqual([]);
    return delivery!;
  };
  return { clock, store, notifier, only };
}

const ALL: WebhookTarget['events'] = ['component', 'incident', 'alert'];
const AT = 1_700_000_000_000;

const incident: Incident = {
  id: 'inc_1',
  kind: 'outage',
  status: 'investigating',
  impact: 'minor',
  title: 'm: provider errors on a/up-m',
  components: ['m'],
  deployments: ['a/up-m'],
  startedAt: AT,
  updatedAt: AT,
  evidence: {},
  manual: false,
  updates: [{ id: 'upd_1', at: AT, status: 'investigating', body: '5 of 5 attempts failed.' }],
};

/** One event of each family (and both alert events). */
const EVENTS: StatusEvent[] = [
  { type: 'component.status_changed', at: AT, component: 'm', from: 'operational', to: 'major_outage' },
  { type: 'incident.created', at: AT, incident },
  {
    type: 'alert.raised',
    at: AT,
    alert: { id: 'alert_1', at: AT, kind: 'auth', provider: 'a', deployment: 'a/up-m', message: 'bad key' },
  },
  { type: 'alert.resolved', at: AT, alertId: 'alert_1', deployment: 'a/up-m', kind: 'auth' },
];

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  const fired: Array<() => void> = [];
  const promise = new Promise<void>((resolve) => fired.push(resolve));
  return { promise, fire: () => fired[0]?.() };
}

/** Sends rounds until the delivery is no longer pending; returns the wait before each retry. */
async function failUntilGivenUp(run: {
  clock: ManualClock;
  notifier: WebhookNotifier;
  only: () => Promise<WebhookDelivery>;
  hook: Receiver;
}): Promise<number[]> {
  const { clock, notifier, only, hook } = run;
  const waits: number[] = [];
  for (let attempt = 1; attempt < 100; attempt += 1) {
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(attempt);
    const delivery = await only();
    expect(delivery.attempts).toBe(attempt);
    if (delivery.status !== 'pending' || delivery.nextAttemptAt === null) break;
    const wait = delivery.nextAttemptAt - clock.now();
    waits.push(wait);
    // Not a moment early: one ms before the retry is due, nothing is sent.
    clock.advance(wait - 1);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(attempt);
    clock.advance(1);
  }
  return waits;
}

describe('WebhookNotifier', () => {
  it('retries a failing webhook after 1 s, doubling, and gives up after the 12th attempt', async () => {
    const hook = await receiver(503);
    const { clock, store, notifier, only } = setup([{ url: hook.url, format: 'json', events: ALL }]);
    await notifier.enqueue(EVENTS[0]!);
    const waits = await failUntilGivenUp({ clock, notifier, only, hook });
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].map((seconds) => seconds * 1_000));
    expect(await only()).toMatchObject({
      status: 'failed',
      attempts: 12,
      nextAttemptAt: null,
      lastError: 'HTTP 503',
    });
    // Given up means given up: no 13th try, however long one waits.
    clock.advance(7 * 24 * 3_600_000);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(12);
    expect(await store.listDeliveries({ status: 'pending' })).toEqual([]);
  });

  it('never waits longer than backoffMaxMs between tries', async () => {
    const hook = await receiver(500);
    const { clock, notifier, only } = setup([{ url: hook.url, format: 'json', events: ALL }], {
      backoffMaxMs: 5_000,
      maxAttempts: 6,
    });
    await notifier.enqueue(EVENTS[0]!);
    const waits = await failUntilGivenUp({ clock, notifier, only, hook });
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(await only()).toMatchObject({ status: 'failed', attempts: 6 });
  });

  it('marks a delivery delivered on a 2xx and sends it once', async () => {
    const hook = await receiver(204);
    const { clock, notifier, only } = setup([{ url: hook.url, format: 'json', events: ALL }]);
    await notifier.enqueue(EVENTS[1]!);
    await notifier.deliverDue();
    clock.advance(3_600_000);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'delivered', attempts: 0 });
    expect(JSON.parse(hook.received[0]!.body)).toEqual(JSON.parse(JSON.stringify(EVENTS[1])));
    expect(hook.received[0]!.headers['x-detour-event']).toBe('incident.created');
  });

  it('signs the timestamp and body with the target’s secret, and sends its delivery id', async () => {
    const hook = await receiver(200);
    const { clock, notifier, only } = setup([
      { url: hook.url, format: 'json', events: ALL, secret: 's3cret' },
    ]);
    clock.set(AT + 1_500);
    await notifier.enqueue(EVENTS[0]!);
    await notifier.deliverDue();
    const { headers, body } = hook.received[0]!;
    const timestamp = String(Math.floor((AT + 1_500) / 1000));
    expect(headers['x-detour-timestamp']).toBe(timestamp);
    const expected = createHmac('sha256', 's3cret').update(`${timestamp}.${body}`).digest('hex');
    expect(headers['x-detour-signature']).toBe(`sha256=${expected}`);
    expect(headers['x-detour-delivery']).toBe((await only()).id);
    expect(hook.received[0]?.method).toBe('POST');
    expect(headers['user-agent']).toBe('detour-webhooks');
    expect(headers['content-type']).toBe('application/json');
  });

  it('signs each delivery with its own target’s secret', async () => {
    const first = await receiver(200);
    const second = await receiver(200);
    const { notifier } = setup([
      { url: first.url, format: 'json', events: ALL, secret: 'first-secret' },
      { url: second.url, format: 'json', events: ALL, secret: 'second-secret' },
    ]);
    await notifier.enqueue(EVENTS[0]!);
    await notifier.deliverDue();
    for (const [hook, secret] of [
      [first, 'first-secret'],
      [second, 'second-secret'],
    ] as const) {
      const { headers, body } = hook.received[0]!;
      const expected = createHmac('sha256', secret)
        .update(`${headers['x-detour-timestamp']}.${body}`)
        .digest('hex');
      expect(headers['x-detour-signature']).toBe(`sha256=${expected}`);
    }
  });

  it('counts a refused connection as a failed attempt, and a target no longer configured too', async () => {
    const closed = await receiver(200);
    await new Promise((resolve) => closed.server.close(resolve));
    const targets: WebhookTarget[] = [{ url: closed.url, format: 'json', events: ALL }];
    const { clock, notifier, only } = setup(targets);
    await notifier.enqueue(EVENTS[0]!);
    await notifier.deliverDue();
    const refused = await only();
    expect(refused).toMatchObject({ status: 'pending', attempts: 1 });
    expect(refused.lastError).toMatch(/ECONNREFUSED|connect/i);
    targets.length = 0;
    clock.set(refused.nextAttemptAt!);
    await notifier.deliverDue();
    expect(await only()).toMatchObject({ attempts: 2, lastError: 'webhook no longer configured' });
  });

  it('takes exactly 200 to 299 as delivered', async () => {
    for (const [status, delivered] of [
      [200, true],
      [299, true],
      [300, false],
    ] as const) {
      const hook = await receiver(status);
      const { notifier, only } = setup([{ url: hook.url, format: 'json', events: ALL }]);
      await notifier.enqueue(EVENTS[0]!);
      await notifier.deliverDue();
      expect((await only()).status).toBe(delivered ? 'delivered' : 'pending');
    }
  });

  it('reads the outbox on its own once started, and no more once stopped', async () => {
    const hook = await receiver(200);
    const { notifier } = setup([{ url: hook.url, format: 'json', events: ALL }], { intervalMs: 10 });
    notifier.start();
    notifier.start(); // a second start keeps the one timer
    await notifier.enqueue(EVENTS[0]!);
    const end = Date.now() + 5_000;
    while (hook.received.length === 0 && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(hook.received).toHaveLength(1);
    await notifier.stop();
    await notifier.enqueue(EVENTS[1]!);
    // Ten intervals later the stopped notifier has still sent nothing more.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hook.received).toHaveLength(1);
  });

  it('refuses a lease no longer than the send timeout, which could send a slow delivery twice', () => {
    expect(() => setup([], { timeoutMs: 5_000, leaseMs: 5_000 })).toThrow(
      new RangeError('leaseMs must be longer than timeoutMs, or a slow send could be sent twice'),
    );
    expect(() => setup([], { timeoutMs: 5_000, leaseMs: 5_001 })).not.toThrow();
  });

  it('sends Slack a { text } message and Detour JSON to the others', async () => {
    const slack = await receiver(200);
    const json = await receiver(200);
    const { notifier } = setup([
      { url: slack.url, format: 'slack', events: ALL },
      { url: json.url, format: 'json', events: ALL },
    ]);
    for (const event of EVENTS) await notifier.enqueue(event);
    await notifier.deliverDue();
    const order = (entries: Receiver['received']) =>
      entries.map((entry) => JSON.parse(entry.body) as Record<string, unknown>);
    const texts = order(slack.received)
      .map((body) => {
        expect(Object.keys(body)).toEqual(['text']);
        return body.text;
      })
      .sort();
    expect(texts).toEqual(EVENTS.map(summariseEvent).sort());
    expect(texts).toContain('m: operational → major outage');
    expect(texts).toContain('[investigating] m: provider errors on a/up-m — 5 of 5 attempts failed.');
    expect(slack.received.every((entry) => entry.headers['content-type'] === 'application/json')).toBe(true);
    const types = order(json.received).map((body) => body.type);
    expect(types.sort()).toEqual(EVENTS.map((event) => event.type).sort());
  });

  it('sends a webhook only the event families it subscribed to', async () => {
    const incidentsOnly = await receiver(200);
    const componentsOnly = await receiver(200);
    const alertsOnly = await receiver(200);
    const { notifier, store } = setup([
      { url: incidentsOnly.url, format: 'json', events: ['incident'] },
      { url: componentsOnly.url, format: 'json', events: ['component'] },
      { url: alertsOnly.url, format: 'json', events: ['alert'] },
    ]);
    for (const event of EVENTS) await notifier.enqueue(event);
    await notifier.deliverDue();
    const typesOf = (hook: Receiver) =>
      hook.received.map((entry) => (JSON.parse(entry.body) as { type: string }).type).sort();
    expect(typesOf(incidentsOnly)).toEqual(['incident.created']);
    expect(typesOf(componentsOnly)).toEqual(['component.status_changed']);
    expect(typesOf(alertsOnly)).toEqual(['alert.raised', 'alert.resolved']);
    // Filtered out means never written to the outbox, not written and skipped.
    expect(await store.listDeliveries({})).toHaveLength(4);
  });

  it('summarises each kind of event in one line a human reads', () => {
    expect(EVENTS.map(summariseEvent)).toEqual([
      'm: operational → major outage',
      '[investigating] m: provider errors on a/up-m — 5 of 5 attempts failed.',
      'Alert (auth): bad key',
      'Alert resolved (auth) on a/up-m',
    ]);
    expect(
      summariseEvent({
        type: 'component.status_changed',
        at: AT,
        component: 'a/up-m',
        from: 'partial_outage',
        to: 'degraded_performance',
      }),
    ).toBe('a/up-m: partial outage → degraded performance');
    const quiet: Incident = { ...incident, updates: [] };
    expect(summariseEvent({ type: 'incident.resolved', at: AT, incident: quiet })).toBe(
      '[investigating] m: provider errors on a/up-m',
    );
    expect(
      summariseEvent({
        type: 'budget.threshold',
        at: AT,
        key: { id: 'key_1', name: 'ci', prefix: 'dtr_ab12' },
        threshold: 0.8,
        spentUsd: 8.004,
        limitUsd: 10,
        period: 'month',
        periodStart: AT,
      }),
    ).toBe('Budget: key ci (dtr_ab12…) has spent $8.00 of its month budget of $10.00 (80 %)');
  });

  it('includes events whose outbox write is still under way when a round is asked for', async () => {
    // One outbox write per webhook, one after another: with several, most happen after the call.
    const hooks = await Promise.all(Array.from({ length: 8 }, () => receiver(204)));
    const { notifier } = setup(hooks.map((hook) => ({ url: hook.url, format: 'json', events: ALL })));
    // Fire and forget, as the detector does.
    void notifier.enqueue(EVENTS[1]!);
    await notifier.deliverDue();
    expect(hooks.map((hook) => hook.received.length)).toEqual(hooks.map(() => 1));
  });

  it('runs a round asked for during another after it, so what was enqueued since is sent', async () => {
    const hold = signal();
    const firstArrived = signal();
    const hook = await receiver(204, { hold: hold.promise, arrived: firstArrived.fire });
    const { notifier } = setup([{ url: hook.url, format: 'json', events: ALL }]);
    await notifier.enqueue(EVENTS[0]!);
    const earlier = notifier.deliverDue();
    await firstArrived.promise;
    await notifier.enqueue(EVENTS[1]!);
    const later = notifier.deliverDue();
    hold.fire();
    await later;
    const types = hook.received.map((entry) => (JSON.parse(entry.body) as { type: string }).type);
    expect(types).toEqual(['component.status_changed', 'incident.created']);
    await earlier;
  });

  it('sends each delivery once when two replicas read one outbox at the same time', async () => {
    const hold = signal();
    const allArrived = signal();
    let arrivals = 0;
    const hook = await receiver(204, {
      hold: hold.promise,
      arrived: () => {
        arrivals += 1;
        if (arrivals === EVENTS.length) allArrived.fire();
      },
    });
    const targets: WebhookTarget[] = [{ url: hook.url, format: 'json', events: ALL }];
    const { clock, store, notifier } = setup(targets);
    const otherReplica = new WebhookNotifier(store, () => targets, clock);
    for (const event of EVENTS) await notifier.enqueue(event);
    // The first replica's round is mid-send (answers held) when the second replica's round reads.
    const first = notifier.deliverDue();
    await allArrived.promise;
    await otherReplica.deliverDue();
    hold.fire();
    await first;
    const ids = hook.received.map((entry) => entry.headers['x-detour-delivery']);
    expect(ids).toHaveLength(EVENTS.length);
    expect(new Set(ids).size).toBe(EVENTS.length);
    expect(await store.listDeliveries({ status: 'delivered' })).toHaveLength(EVENTS.length);
  });

  it("sends what a replica claimed and never finished once the claim's lease ends", async () => {
    const hook = await receiver(204);
    const { clock, store, notifier, only } = setup([{ url: hook.url, format: 'json', events: ALL }], {
      leaseMs: 30_000,
    });
    await notifier.enqueue(EVENTS[0]!);
    // A replica that claimed the delivery and died before sending it.
    expect(await store.dueDeliveries(clock.now(), 50, 30_000)).toHaveLength(1);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(0);
    clock.advance(29_999);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(0);
    clock.advance(1);
    await notifier.deliverDue();
    expect(hook.received).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'delivered', attempts: 0 });
  });

  it('refuses a lease no longer than the send timeout', () => {
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    expect(
      () => new WebhookNotifier(store, () => [], new ManualClock(), { timeoutMs: 5_000, leaseMs: 5_000 }),
    ).toThrow(RangeError);
  });
});
