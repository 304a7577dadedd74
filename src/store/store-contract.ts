import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident, Store } from './types.js';

/**
 * The behaviour every {@link Store} implementation must have. Run it from an implementation's test
 * file: `runStoreContract('SqliteStore', () => new SqliteStore({ path: ':memory:' }))`.
 */
export function runStoreContract(name: string, open: () => Promise<Store> | Store): void {
  const DAY = 86_400_000;
  const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
  let store: Store;

  beforeEach(async () => {
    store = await open();
  });

  afterEach(async () => {
    await store.close();
  });

  function incident(id: string, startedAt: number): Omit<Incident, 'updates'> {
    return {
      id,
      kind: 'overloaded',
      status: 'investigating',
      impact: 'minor',
      title: `title ${id}`,
      components: ['claude'],
      deployments: ['vendor/claude'],
      startedAt,
      updatedAt: startedAt,
      evidence: { users: { errors: 0 } },
      manual: false,
    };
  }

  describe(`${name} (Store contract)`, () => {
    it('keeps an incident with its timeline in order, and applies changes with each update', async () => {
      const created = await store.createIncident(incident('inc_1', NOW), {
        at: NOW,
        status: 'investigating',
        body: 'first',
      });
      expect(created.updates.map((update) => update.body)).toEqual(['first']);
      await store.addIncidentUpdate(
        'inc_1',
        { at: NOW + 1, status: 'identified', body: 'second' },
        { status: 'identified', impact: 'major' },
      );
      const resolved = await store.addIncidentUpdate(
        'inc_1',
        { at: NOW + 2, status: 'resolved', body: 'third' },
        { status: 'resolved', resolvedAt: NOW + 2, evidence: { users: { errors: 3 } } },
      );
      expect(resolved).toMatchObject({
        status: 'resolved',
        impact: 'major',
        resolvedAt: NOW + 2,
        updatedAt: NOW + 2,
        evidence: { users: { errors: 3 } },
        components: ['claude'],
        manual: false,
      });
      expect(resolved.updates.map((update) => [update.status, update.body])).toEqual([
        ['investigating', 'first'],
        ['identified', 'second'],
        ['resolved', 'third'],
      ]);
      expect(await store.getIncident('inc_1')).toEqual(resolved);
      expect(await store.getIncident('missing')).toBeUndefined();
    });

    it('refuses an update to an incident that does not exist', async () => {
      await expect(
        store.addIncidentUpdate('missing', { at: NOW, status: 'identified', body: 'x' }, {}),
      ).rejects.toThrow(/missing/);
    });

    it('lists incidents newest first, open ones, and those touching a period', async () => {
      await store.createIncident(incident('old', NOW - 10 * DAY), {
        at: NOW - 10 * DAY,
        status: 'investigating',
        body: 'a',
      });
      await store.addIncidentUpdate(
        'old',
        { at: NOW - 9 * DAY, status: 'resolved', body: 'b' },
        { status: 'resolved', resolvedAt: NOW - 9 * DAY },
      );
      await store.createIncident(incident('mid', NOW - 5 * DAY), {
        at: NOW - 5 * DAY,
        status: 'investigating',
        body: 'a',
      });
      await store.createIncident(incident('new', NOW), { at: NOW, status: 'investigating', body: 'a' });
      expect((await store.listIncidents({})).map((item) => item.id)).toEqual(['new', 'mid', 'old']);
      expect((await store.listIncidents({ open: true })).map((item) => item.id)).toEqual(['new', 'mid']);
      expect((await store.listIncidents({ since: NOW - 7 * DAY })).map((item) => item.id)).toEqual([
        'new',
        'mid',
      ]);
      expect((await store.listIncidents({ limit: 1 })).map((item) => item.id)).toEqual(['new']);
    });

    it('keeps the worst status of each minute and sums minutes per UTC day', async () => {
      const minute = Math.floor(NOW / 60_000) * 60_000;
      store.recordSamples([
        { component: 'claude', minute, status: 'operational' },
        { component: 'claude', minute, status: 'major_outage' },
        { component: 'claude', minute, status: 'degraded_performance' },
        { component: 'claude', minute: minute + 60_000, status: 'partial_outage' },
        { component: 'claude', minute: minute - DAY, status: 'operational' },
        { component: 'gpt', minute, status: 'operational' },
      ]);
      await store.flush();
      const days = await store.dailyUptime('claude', 3, NOW);
      expect(days).toEqual([
        { day: '2026-11-18', minutes: {} },
        { day: '2026-11-19', minutes: { operational: 1 } },
        { day: '2026-11-20', minutes: { major_outage: 1, partial_outage: 1 } },
      ]);
    });

    it('reads samples still in the buffer', async () => {
      store.recordSamples([{ component: 'claude', minute: NOW, status: 'under_maintenance' }]);
      const days = await store.dailyUptime('claude', 1, NOW);
      expect(days).toEqual([{ day: '2026-11-20', minutes: { under_maintenance: 1 } }]);
    });

    it('raises and resolves alerts', async () => {
      const alert = await store.recordAlert({
        at: NOW,
        kind: 'auth',
        provider: 'vendor',
        deployment: 'vendor/x',
        message: 'm',
      });
      await store.recordAlert({
        at: NOW + 1,
        kind: 'quota',
        provider: 'vendor',
        deployment: 'vendor/y',
        message: 'n',
      });
      expect((await store.listAlerts({ open: true })).map((item) => item.kind)).toEqual(['quota', 'auth']);
      await store.resolveAlert(alert.id, NOW + 5);
      expect((await store.listAlerts({ open: true })).map((item) => item.kind)).toEqual(['quota']);
      const all = await store.listAlerts({});
      expect(all.find((item) => item.id === alert.id)?.resolvedAt).toBe(NOW + 5);
    });

    it('finds maintenance windows in force at a time and those not over yet', async () => {
      await store.createMaintenance({
        title: 'past',
        components: ['a'],
        startsAt: NOW - 20,
        endsAt: NOW - 10,
        createdAt: NOW - 30,
      });
      await store.createMaintenance({
        title: 'now',
        components: ['a'],
        startsAt: NOW - 5,
        endsAt: NOW + 5,
        createdAt: NOW - 30,
        body: 'b',
      });
      await store.createMaintenance({
        title: 'soon',
        components: ['b'],
        startsAt: NOW + 10,
        endsAt: NOW + 20,
        createdAt: NOW - 30,
      });
      expect((await store.listMaintenance({ activeAt: NOW })).map((item) => item.title)).toEqual(['now']);
      expect((await store.listMaintenance({ from: NOW })).map((item) => item.title)).toEqual(['now', 'soon']);
      expect((await store.listMaintenance({ activeAt: NOW }))[0]).toMatchObject({
        components: ['a'],
        body: 'b',
      });
    });

    it('runs the webhook outbox: due deliveries, retries with a next time, give-up and delivery', async () => {
      const first = await store.enqueueDelivery({
        url: 'http://127.0.0.1:1/a',
        event: { type: 'x', n: 1 },
        now: NOW,
      });
      const second = await store.enqueueDelivery({
        url: 'http://127.0.0.1:1/b',
        event: { type: 'y' },
        now: NOW + 1,
      });
      expect((await store.dueDeliveries(NOW + 1, 10)).map((item) => item.id)).toEqual([first.id, second.id]);
      await store.markAttemptFailed(first.id, 'HTTP 500', NOW + 1_000);
      expect((await store.dueDeliveries(NOW + 2, 10)).map((item) => item.id)).toEqual([second.id]);
      const retried = (await store.dueDeliveries(NOW + 1_000, 10)).find((item) => item.id === first.id);
      expect(retried).toMatchObject({
        attempts: 1,
        lastError: 'HTTP 500',
        status: 'pending',
        event: { type: 'x', n: 1 },
      });
      await store.markDelivered(first.id, NOW + 1_001);
      await store.markAttemptFailed(second.id, 'refused', null);
      expect(await store.dueDeliveries(NOW + 10_000, 10)).toEqual([]);
      const listed = await store.listDeliveries({});
      expect(listed.map((item) => [item.id, item.status])).toEqual([
        [second.id, 'failed'],
        [first.id, 'delivered'],
      ]);
      expect((await store.listDeliveries({ status: 'delivered' }))[0]?.deliveredAt).toBe(NOW + 1_001);
    });
  });
}
