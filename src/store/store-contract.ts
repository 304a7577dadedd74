import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CanaryResult,
  ClientKeyRecord,
  Incident,
  RequestLogRow,
  Store,
  WebhookDelivery,
} from './types.js';

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

  function logRow(id: string, time: number, changes: Partial<RequestLogRow> = {}): RequestLogRow {
    return {
      id,
      time,
      key: 'sha256:aaaa',
      surface: 'openai-chat',
      stream: false,
      requestedModel: 'm',
      answeringModel: 'm',
      deployment: 'a/up-m',
      attempts: [{ deployment: 'a/up-m', outcome: 'success', latencyMs: 10 }],
      status: 200,
      outcome: 'success',
      finishReason: 'stop',
      tokens: { input: 10, output: 5, cached: null, reasoning: null },
      costUsd: 0.001,
      latencyMs: 10,
      timeToFirstTokenMs: null,
      routeReason: null,
      requestBody: null,
      responseBody: null,
      ...changes,
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
      expect((await store.listIncidents({ open: false })).map((item) => item.id)).toEqual(['old']);
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
      expect((await store.listAlerts({ open: false })).map((item) => item.kind)).toEqual(['auth']);
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

    it('claims due deliveries for a lease: no one else gets them until it ends or an attempt is recorded', async () => {
      const ids = (deliveries: WebhookDelivery[]) => deliveries.map((item) => item.id);
      const first = await store.enqueueDelivery({ url: 'http://127.0.0.1:1/a', event: { n: 1 }, now: NOW });
      const second = await store.enqueueDelivery({
        url: 'http://127.0.0.1:1/b',
        event: { n: 2 },
        now: NOW + 1,
      });
      expect(ids(await store.dueDeliveries(NOW + 1, 10, 1_000))).toEqual([first.id, second.id]);
      // Claimed: neither another sender nor a plain read sees them as due.
      expect(await store.dueDeliveries(NOW + 2, 10, 1_000)).toEqual([]);
      expect(await store.dueDeliveries(NOW + 2, 10)).toEqual([]);
      // A recorded failure ends the claim; the retry is due at its own time, and claimed anew.
      await store.markAttemptFailed(first.id, 'HTTP 500', NOW + 10);
      expect(await store.dueDeliveries(NOW + 9, 10, 1_000)).toEqual([]);
      expect(ids(await store.dueDeliveries(NOW + 10, 10, 1_000))).toEqual([first.id]);
      // The sender of `second` never reported back: its claim lapses at NOW + 1 + 1_000, not before.
      expect(await store.dueDeliveries(NOW + 1_000, 10, 1_000)).toEqual([]);
      expect(ids(await store.dueDeliveries(NOW + 1_001, 10, 1_000))).toEqual([second.id]);
      await store.markDelivered(second.id, NOW + 1_002);
      expect(ids(await store.dueDeliveries(NOW + 10_000, 10))).toEqual([first.id]);
      expect(await store.listDeliveries({})).toEqual([
        expect.objectContaining({
          id: second.id,
          status: 'delivered',
          deliveredAt: NOW + 1_002,
          attempts: 0,
        }),
        expect.objectContaining({ id: first.id, status: 'pending', nextAttemptAt: NOW + 10, attempts: 1 }),
      ]);
    });

    it('gives each due delivery to exactly one of several senders claiming at once', async () => {
      const enqueued: string[] = [];
      for (let index = 0; index < 30; index += 1) {
        const delivery = await store.enqueueDelivery({
          url: 'http://127.0.0.1:1/a',
          event: { n: index },
          now: NOW + index,
        });
        enqueued.push(delivery.id);
      }
      const claims = await Promise.all(
        Array.from({ length: 6 }, () => store.dueDeliveries(NOW + 100, 10, 60_000)),
      );
      const claimed = claims.flatMap((deliveries) => deliveries.map((item) => item.id));
      expect(claimed.sort()).toEqual([...enqueued].sort());
      for (const deliveries of claims) {
        // Each sender's share is still oldest first.
        const times = deliveries.map((item) => item.createdAt);
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
    });
    it('gives a lease to one holder until it runs out or is released, and renews it for its holder', async () => {
      expect(await store.acquireLease('detector', 'r1', NOW, 1_000)).toBe(true);
      expect(await store.acquireLease('detector', 'r2', NOW + 999, 1_000)).toBe(false);
      // Another name is another lease.
      expect(await store.acquireLease('other', 'r2', NOW, 1_000)).toBe(true);
      // The holder renews: its term now runs to NOW + 500 + 1_000.
      expect(await store.acquireLease('detector', 'r1', NOW + 500, 1_000)).toBe(true);
      expect(await store.acquireLease('detector', 'r2', NOW + 1_499, 1_000)).toBe(false);
      // r1 stopped renewing (it died): at the end of its term r2 takes over, and r1 cannot take it back.
      expect(await store.acquireLease('detector', 'r2', NOW + 1_500, 1_000)).toBe(true);
      expect(await store.acquireLease('detector', 'r1', NOW + 1_600, 1_000)).toBe(false);
      // Releasing someone else's lease does nothing; the holder's release frees it at once.
      await store.releaseLease('detector', 'r1');
      expect(await store.acquireLease('detector', 'r3', NOW + 1_700, 1_000)).toBe(false);
      await store.releaseLease('detector', 'r2');
      expect(await store.acquireLease('detector', 'r3', NOW + 1_700, 1_000)).toBe(true);
    });

    it('gives a free lease to exactly one of several holders asking at once', async () => {
      const holders = Array.from({ length: 8 }, (_, index) => `r${index}`);
      const taken = await Promise.all(
        holders.map((holder) => store.acquireLease('race', holder, NOW, 1_000)),
      );
      expect(taken.filter(Boolean)).toHaveLength(1);
      // And again once it has run out.
      const again = await Promise.all(
        holders.map((holder) => store.acquireLease('race', holder, NOW + 1_000, 1_000)),
      );
      expect(again.filter(Boolean)).toHaveLength(1);
    });

    it('keeps request-log rows whole, lists them newest first, and ignores a row written twice', async () => {
      const full = logRow('req_2', NOW + 1, {
        key: null,
        stream: true,
        answeringModel: 'spare',
        deployment: 'b/up-spare',
        attempts: [
          { deployment: 'a/up-m', outcome: 'rate_limited', latencyMs: 3 },
          { deployment: 'b/up-spare', outcome: 'success', latencyMs: 7 },
        ],
        finishReason: 'length',
        tokens: { input: 100, output: 50, cached: 40, reasoning: 20 },
        costUsd: 0.25,
        timeToFirstTokenMs: 4,
        routeReason: 'cheapest with tools',
        requestBody: '{"a":1}',
        responseBody: 'data: x',
      });
      const failed = logRow('req_1', NOW, {
        answeringModel: null,
        deployment: null,
        status: 503,
        outcome: 'server_error',
        finishReason: null,
        tokens: { input: null, output: null, cached: null, reasoning: null },
        costUsd: null,
      });
      await store.insertRequestLogs([failed, full]);
      await store.insertRequestLogs([{ ...full, status: 500 }]);
      const page = await store.listRequestLogs({});
      expect(page).toEqual({ rows: [full, failed], nextCursor: null });
    });

    it('filters the request log and pages through it with a cursor', async () => {
      const rows: RequestLogRow[] = [];
      for (let index = 0; index < 25; index += 1) {
        rows.push(
          logRow(`req_${String(index).padStart(2, '0')}`, NOW + Math.floor(index / 2), {
            requestedModel: index % 2 === 0 ? 'm' : 'n',
            deployment: index % 3 === 0 ? 'b/up-m' : 'a/up-m',
            key: index % 5 === 0 ? 'sha256:bbbb' : 'sha256:aaaa',
            status: index % 4 === 0 ? 429 : 200,
            outcome: index % 4 === 0 ? 'rate_limited' : 'success',
          }),
        );
      }
      await store.insertRequestLogs(rows);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await store.listRequestLogs({ limit: 10, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.rows.map((row) => row.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      const newestFirst = [...rows]
        .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1))
        .map((row) => row.id);
      expect(seen).toEqual(newestFirst);
      const ids = async (filter: Parameters<Store['listRequestLogs']>[0]) =>
        (await store.listRequestLogs({ ...filter, limit: 100 })).rows.map((row) => row.id).sort();
      const expectIds = (predicate: (row: RequestLogRow) => boolean) =>
        rows
          .filter(predicate)
          .map((row) => row.id)
          .sort();
      expect(await ids({ model: 'n' })).toEqual(expectIds((row) => row.requestedModel === 'n'));
      expect(await ids({ deployment: 'b/up-m' })).toEqual(expectIds((row) => row.deployment === 'b/up-m'));
      expect(await ids({ key: 'sha256:bbbb' })).toEqual(expectIds((row) => row.key === 'sha256:bbbb'));
      expect(await ids({ status: 429 })).toEqual(expectIds((row) => row.status === 429));
      expect(await ids({ failureClass: 'rate_limited' })).toEqual(
        expectIds((row) => row.outcome === 'rate_limited'),
      );
      expect(await ids({ from: NOW + 3, to: NOW + 5 })).toEqual(
        expectIds((row) => row.time >= NOW + 3 && row.time < NOW + 5),
      );
      expect(await ids({ model: 'm', status: 429, from: NOW + 2 })).toEqual(
        expectIds((row) => row.requestedModel === 'm' && row.status === 429 && row.time >= NOW + 2),
      );
      await expect(store.listRequestLogs({ cursor: 'not-a-cursor' })).rejects.toThrow(RangeError);
    });

    it('aggregates usage by group and period: sums, error rate and nearest-rank percentiles', async () => {
      const HOUR = 3_600_000;
      const hour = Math.floor(NOW / HOUR) * HOUR;
      const rows: RequestLogRow[] = [];
      for (let index = 1; index <= 20; index += 1) {
        rows.push(
          logRow(`a_${index}`, hour + index, {
            latencyMs: index * 10,
            tokens: { input: index, output: 2 * index, cached: index % 2, reasoning: null },
            costUsd: index % 5 === 0 ? null : 0.5,
            outcome: index === 20 ? 'server_error' : index === 19 ? 'abandoned' : 'success',
          }),
        );
      }
      rows.push(logRow('b_1', hour + HOUR + 1, { requestedModel: 'n', deployment: null, latencyMs: 7 }));
      await store.insertRequestLogs(rows);
      const byModelHour = await store.aggregateUsage({ groupBy: ['model'], period: 'hour' });
      expect(byModelHour).toEqual([
        {
          periodStart: hour,
          model: 'm',
          requests: 20,
          errors: 1,
          errorRate: 0.05,
          inputTokens: 210,
          outputTokens: 420,
          cachedTokens: 10,
          reasoningTokens: 0,
          costUsd: expect.closeTo(8, 9),
          latencyP50Ms: 100,
          latencyP95Ms: 190,
        },
        {
          periodStart: hour + HOUR,
          model: 'n',
          requests: 1,
          errors: 0,
          errorRate: 0,
          inputTokens: 10,
          outputTokens: 5,
          cachedTokens: 0,
          reasoningTokens: 0,
          costUsd: expect.closeTo(0.001, 9),
          latencyP50Ms: 7,
          latencyP95Ms: 7,
        },
      ]);
      const total = await store.aggregateUsage({});
      expect(total).toHaveLength(1);
      expect(total[0]).toMatchObject({ periodStart: null, requests: 21, inputTokens: 220 });
      expect(total[0]?.model).toBeUndefined();
      const byDeployment = await store.aggregateUsage({ groupBy: ['deployment'], period: 'day', from: hour });
      expect(byDeployment.map((bucket) => [bucket.deployment, bucket.requests])).toEqual([
        [null, 1],
        ['a/up-m', 20],
      ]);
      expect(byDeployment[0]?.periodStart).toBe(Math.floor(NOW / DAY) * DAY);
      const filtered = await store.aggregateUsage({ groupBy: ['key'], model: 'n' });
      expect(filtered).toMatchObject([{ key: 'sha256:aaaa', requests: 1 }]);
    });

    it('deletes request-log rows older than a time, and only those', async () => {
      await store.insertRequestLogs([
        logRow('old', NOW - 31 * DAY),
        logRow('edge', NOW - 30 * DAY),
        logRow('new', NOW),
      ]);
      expect(await store.deleteRequestLogsBefore(NOW - 30 * DAY)).toBe(1);
      expect((await store.listRequestLogs({})).rows.map((row) => row.id)).toEqual(['new', 'edge']);
    });
    function clientKey(id: string, hash: string, changes: Partial<ClientKeyRecord> = {}): ClientKeyRecord {
      return {
        id,
        name: `name ${id}`,
        prefix: `dtr_${id}`,
        hash,
        createdAt: NOW,
        scopes: { models: ['claude-*'], rpm: 60, budget: { usd: 1.5, period: 'month' } },
        metadata: { team: 'search' },
        ...changes,
      };
    }

    it('keeps client keys whole, finds them by hash and by id, and refuses a second with the same hash or id', async () => {
      await store.insertClientKey(clientKey('key_b', 'hash-b', { createdAt: NOW + 1, expiresAt: NOW + DAY }));
      await store.insertClientKey(clientKey('key_a', 'hash-a'));
      expect(await store.findClientKeyByHash('hash-a')).toEqual(clientKey('key_a', 'hash-a'));
      expect(await store.getClientKey('key_b')).toEqual(
        clientKey('key_b', 'hash-b', { createdAt: NOW + 1, expiresAt: NOW + DAY }),
      );
      expect(await store.findClientKeyByHash('hash-c')).toBeUndefined();
      expect(await store.getClientKey('key_c')).toBeUndefined();
      expect((await store.listClientKeys()).map((key) => key.id)).toEqual(['key_a', 'key_b']);
      await expect(store.insertClientKey(clientKey('key_c', 'hash-a'))).rejects.toThrow(RangeError);
      await expect(store.insertClientKey(clientKey('key_a', 'hash-z'))).rejects.toThrow(RangeError);
    });

    it('updates a client key: revocation, a rotated secret, new scopes', async () => {
      await store.insertClientKey(clientKey('key_a', 'hash-a'));
      const updated = await store.updateClientKey('key_a', {
        revokedAt: NOW + 5,
        hash: 'hash-new',
        prefix: 'dtr_new',
        scopes: { models: [] },
      });
      expect(updated).toEqual({
        ...clientKey('key_a', 'hash-new'),
        prefix: 'dtr_new',
        revokedAt: NOW + 5,
        scopes: { models: [] },
      });
      expect(await store.findClientKeyByHash('hash-a')).toBeUndefined();
      expect(await store.findClientKeyByHash('hash-new')).toEqual(updated);
      await expect(store.updateClientKey('key_x', { name: 'x' })).rejects.toThrow(RangeError);
    });

    it("sums a key's spend since a time and ignores an entry settled twice", async () => {
      await store.recordSpend([
        { id: 'r1', keyId: 'key_a', at: NOW - DAY, usd: 0.25 },
        { id: 'r2', keyId: 'key_a', at: NOW, usd: 0.5 },
        { id: 'r3', keyId: 'key_b', at: NOW, usd: 7 },
      ]);
      await store.recordSpend([{ id: 'r2', keyId: 'key_a', at: NOW, usd: 0.5 }]);
      await store.recordSpend([]);
      expect(await store.sumSpend('key_a', 0)).toBeCloseTo(0.75, 10);
      expect(await store.sumSpend('key_a', NOW)).toBeCloseTo(0.5, 10);
      expect(await store.sumSpend('key_a', NOW + 1)).toBe(0);
      expect(await store.sumSpend('key_none', 0)).toBe(0);
    });

    it('claims each budget alert once per key, period and threshold', async () => {
      expect(await store.claimBudgetAlert('key_a', NOW, 0.5, NOW)).toBe(true);
      expect(await store.claimBudgetAlert('key_a', NOW, 0.5, NOW + 1)).toBe(false);
      expect(await store.claimBudgetAlert('key_a', NOW, 0.8, NOW)).toBe(true);
      expect(await store.claimBudgetAlert('key_a', NOW + DAY, 0.5, NOW)).toBe(true);
      expect(await store.claimBudgetAlert('key_b', NOW, 0.5, NOW)).toBe(true);
    });
  });

  function canary(changes: Partial<CanaryResult> = {}): CanaryResult {
    return {
      deployment: 'a/up-m',
      model: 'm',
      provider: 'a',
      suite: 'arithmetic',
      caseId: 'arith-1',
      at: NOW,
      pass: true,
      detail: 'ok',
      latencyMs: 120,
      costUsd: 0.0001,
      responseModel: 'up-m-2026',
      ...changes,
    };
  }

  describe('canary results', () => {
    it('keeps canary results whole, unanswered ones included, newest first and filtered', async () => {
      const failed = canary({ at: NOW - 2, caseId: 'arith-2', pass: false, detail: 'expected 391, got 319' });
      const unanswered: CanaryResult = {
        ...canary({
          at: NOW - 1,
          caseId: 'arith-3',
          pass: null,
          detail: 'upstream 500',
          failureClass: 'server_error',
        }),
      };
      delete unanswered.responseModel;
      const other = canary({ deployment: 'b/up-m', provider: 'b', at: NOW - 3 });
      const otherModel = canary({ deployment: 'a/up-n', model: 'n', at: NOW - 4 });
      await store.recordCanaryResults([failed, canary(), other, unanswered, otherModel]);
      await store.recordCanaryResults([]);
      expect(await store.listCanaryResults({})).toEqual([canary(), unanswered, failed, other, otherModel]);
      expect(await store.listCanaryResults({ deployment: 'a/up-m' })).toEqual([canary(), unanswered, failed]);
      expect(await store.listCanaryResults({ model: 'n' })).toEqual([otherModel]);
      expect(await store.listCanaryResults({ from: NOW - 3, to: NOW })).toEqual([unanswered, failed, other]);
      expect(await store.listCanaryResults({ limit: 2 })).toEqual([canary(), unanswered]);
    });

    it('tallies graded, passed and unanswered runs per deployment and suite over a range', async () => {
      await store.recordCanaryResults([
        canary({ at: NOW, costUsd: 0.25 }),
        canary({ at: NOW + 1, pass: false, costUsd: 0.25 }),
        canary({ at: NOW + 2, pass: null, failureClass: 'timeout', costUsd: 0 }),
        canary({ at: NOW + 3, suite: 'json', caseId: 'json-1' }),
        canary({ at: NOW - DAY, costUsd: 9 }),
        canary({ deployment: 'b/up-m', provider: 'b', at: NOW }),
      ]);
      expect(await store.tallyCanaries({ from: NOW })).toEqual([
        {
          deployment: 'a/up-m',
          model: 'm',
          suite: 'arithmetic',
          graded: 2,
          passed: 1,
          unanswered: 1,
          costUsd: 0.5,
        },
        {
          deployment: 'a/up-m',
          model: 'm',
          suite: 'json',
          graded: 1,
          passed: 1,
          unanswered: 0,
          costUsd: 0.0001,
        },
        {
          deployment: 'b/up-m',
          model: 'm',
          suite: 'arithmetic',
          graded: 1,
          passed: 1,
          unanswered: 0,
          costUsd: 0.0001,
        },
      ]);
      expect(await store.tallyCanaries({ from: NOW, to: NOW + 2, deployment: 'a/up-m' })).toEqual([
        {
          deployment: 'a/up-m',
          model: 'm',
          suite: 'arithmetic',
          graded: 2,
          passed: 1,
          unanswered: 0,
          costUsd: 0.5,
        },
      ]);
      expect(await store.tallyCanaries({ from: NOW, model: 'none' })).toEqual([]);
    });

    it("sums a provider's canary cost since a time, and deletes results older than a time", async () => {
      await store.recordCanaryResults([
        canary({ at: NOW - DAY, costUsd: 1 }),
        canary({ at: NOW, costUsd: 0.5 }),
        canary({ at: NOW + 1, costUsd: 0.25 }),
        canary({ deployment: 'b/up-m', provider: 'b', at: NOW, costUsd: 7 }),
      ]);
      expect(await store.sumCanaryCost('a', 0)).toBeCloseTo(1.75, 10);
      expect(await store.sumCanaryCost('a', NOW)).toBeCloseTo(0.75, 10);
      expect(await store.sumCanaryCost('a', NOW + 2)).toBe(0);
      expect(await store.sumCanaryCost('none', 0)).toBe(0);
      expect(await store.deleteCanaryResultsBefore(NOW)).toBe(1);
      expect(await store.sumCanaryCost('a', 0)).toBeCloseTo(0.75, 10);
      expect((await store.listCanaryResults({})).length).toBe(3);
    });
  });
}
