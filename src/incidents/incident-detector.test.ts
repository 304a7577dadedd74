import { afterEach, describe, expect, it, vi } from 'vitest';
import { tableOf } from '../../test/support/model-table.js';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore, type OutcomeResult } from '../health/index.js';
import { ModelTable, RoutingState } from '../routing/index.js';
import { type Incident, type IncidentStatus, SqliteStore } from '../store/index.js';
import { type DetectorOptions, IncidentDetector, USER_ERROR_LOOKBACK } from './incident-detector.js';
import type { StatusEvent } from './status-event.js';

// The detector on its own: a real health store, routing state and SQLite store in memory, a manual
// clock and `evaluate()` called by hand. The end-to-end incident tests (test/incidents.test.ts) go
// through the gateway; these reach the thresholds and rules that traffic makes awkward to hit exactly.

const START = 1_700_000_000_000;

const TIMINGS: Partial<DetectorOptions> = {
  intervalMs: 1_000,
  enterMs: 2_000,
  leaveMs: 5_000,
  incidentAfterMs: 2_000,
  resolveAfterMs: 10_000,
};

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

interface Shared {
  clock: ManualClock;
  store: SqliteStore;
}

/**
 * A detector with its own health, over `shared`'s clock and store when given (another replica of
 * the same gateway), else new ones.
 */
function setup(
  options: Partial<DetectorOptions> = {},
  models: Record<string, string[]> = { m: ['x', 'y'] },
  shared?: Shared,
) {
  const clock = shared?.clock ?? new ManualClock(START);
  const health = new MemoryHealthStore({ clock, breaker: { ejection: { jitter: 0 } } });
  const state = new RoutingState({ health, clock });
  const store = shared?.store ?? new SqliteStore({ path: ':memory:' });
  if (shared === undefined) stores.push(store);
  const events: StatusEvent[] = [];
  const routes = tableOf(models);
  const detector = new IncidentDetector(
    state,
    () => ({ table: routes }),
    store,
    clock,
    { ...TIMINGS, ...options },
    (event) => events.push(event),
  );
  /** Records `count` outcomes of `result` on deployment `a/<upstream>` now. */
  const record = (upstream: string, result: OutcomeResult, count = 1, retryAfterMs?: number) => {
    for (let index = 0; index < count; index++)
      health.record({
        deploymentId: `a/${upstream}`,
        at: clock.now(),
        result,
        latencyMs: 5,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
  };
  const openAlerts = async () =>
    (await store.listAlerts({ open: true })).map((alert) => [alert.kind, alert.deployment]);
  return { clock, health, state, store, events, detector, record, openAlerts };
}

describe('IncidentDetector: rate-limit alerts', () => {
  it('raises one from five rate-limited attempts that are a fifth of the minute, not from four or a smaller share', async () => {
    const four = setup();
    four.record('x', 'rate_limited', 4, 1);
    four.record('x', 'success', 16);
    four.clock.advance(10);
    await four.detector.evaluate();
    expect(await four.openAlerts()).toEqual([]);

    const smallShare = setup();
    smallShare.record('x', 'rate_limited', 5, 1);
    smallShare.record('x', 'success', 21);
    smallShare.clock.advance(10);
    await smallShare.detector.evaluate();
    expect(await smallShare.openAlerts()).toEqual([]);

    const fifth = setup();
    fifth.record('x', 'rate_limited', 5, 1);
    fifth.record('x', 'success', 20);
    fifth.clock.advance(10);
    await fifth.detector.evaluate();
    expect(fifth.health.status('a/x').coolingUntil).toBeUndefined();
    expect(await fifth.openAlerts()).toEqual([['rate_limited', 'a/x']]);
  });

  it('raises one at once while a deployment cools down, whatever the count', async () => {
    const { record, detector, openAlerts, events } = setup();
    record('x', 'rate_limited', 1, 30_000);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    expect(events.map((event) => event.type)).toEqual(['alert.raised']);
  });

  it('ends it only after rate limits have been quiet for leaveAfter', async () => {
    const { clock, record, detector, openAlerts, events } = setup();
    record('x', 'rate_limited', 1, 1_000);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    // The cool-down ended 1 s after the 429; leaveAfter (5 s) from the last sign of rate limiting.
    clock.advance(5_999);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    clock.advance(1);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(['alert.raised', 'alert.resolved']);
  });

  it('keeps it through rate limits that come and go', async () => {
    const { clock, record, detector, openAlerts, store } = setup();
    for (let burst = 0; burst < 4; burst++) {
      record('x', 'rate_limited', 1, 1_000);
      await detector.evaluate();
      clock.advance(4_000);
      await detector.evaluate();
      expect(await openAlerts()).toEqual([['rate_limited', 'a/x']]);
    }
    expect(await store.listAlerts({})).toHaveLength(1);
  });
});

/** Ejects `a/x` (five server errors in a row) and opens its incident: evaluations at 0 and incidentAfter. */
async function openIncidentOnX(context: ReturnType<typeof setup>) {
  const { clock, record, detector, store } = context;
  record('x', 'server_error', 5);
  await detector.evaluate();
  clock.advance(2_000);
  await detector.evaluate();
  const [incident] = await store.listIncidents({ open: true });
  expect(incident).toMatchObject({ kind: 'outage', status: 'investigating', deployments: ['a/x'] });
  return incident!;
}

/** Ends the trouble on `a/x` and evaluates: the incident goes to monitoring with fresh evidence. */
async function quietX(context: ReturnType<typeof setup>) {
  const { clock, health, detector, store } = context;
  health.reset('a/x', clock.now());
  await detector.evaluate();
  const [incident] = await store.listIncidents({ open: true });
  expect(incident?.status).toBe('monitoring');
  return incident!.evidence as { users: { requests: number; errors: number; sawErrors: boolean } };
}

describe('IncidentDetector: whether users saw errors', () => {
  it('says no for an incident that never failed a user, once its first minutes are out of the evidence window', async () => {
    const context = setup();
    await openIncidentOnX(context);
    context.state.recordRequest('m', 'success', 5);
    context.clock.advance(400_000);
    await context.detector.evaluate();
    expect((await quietX(context)).users).toEqual({ requests: 0, errors: 0, errorRate: 0, sawErrors: false });
  });

  it('remembers a failure users saw during the incident after it left the five-minute evidence window', async () => {
    const context = setup();
    await openIncidentOnX(context);
    context.clock.advance(100_000);
    context.state.recordRequest('m', 'server_error', 5);
    // The next evaluation reads the errors of the last `marginMs` (no quiet spell yet).
    context.clock.advance(USER_ERROR_LOOKBACK.marginMs - 1_000);
    await context.detector.evaluate();
    context.clock.advance(400_000);
    await context.detector.evaluate();
    expect((await quietX(context)).users).toMatchObject({ errors: 0, sawErrors: true });
  });

  it('keeps the failures users saw before the incident opened, once they left the evidence window', async () => {
    const context = setup();
    context.state.recordRequest('m', 'server_error', 5);
    await openIncidentOnX(context);
    context.clock.advance(400_000);
    await context.detector.evaluate();
    expect((await quietX(context)).users).toMatchObject({ errors: 0, sawErrors: true });
  });

  it('reads users’ errors over the margin before each evaluation, not the whole window', async () => {
    const context = setup();
    await openIncidentOnX(context);
    context.clock.advance(100_000);
    context.state.recordRequest('m', 'server_error', 5);
    context.clock.advance(USER_ERROR_LOOKBACK.marginMs + 1_000);
    await context.detector.evaluate();
    context.clock.advance(400_000);
    await context.detector.evaluate();
    expect((await quietX(context)).users).toMatchObject({ errors: 0, sawErrors: false });
  });

  it('counts client errors and content-policy refusals as the users’ own, not as errors they saw', async () => {
    const context = setup();
    await openIncidentOnX(context);
    context.state.recordRequest('m', 'client_error', 5);
    context.state.recordRequest('m', 'content_policy', 5);
    context.clock.advance(1_000);
    await context.detector.evaluate();
    context.clock.advance(400_000);
    await context.detector.evaluate();
    expect((await quietX(context)).users.sawErrors).toBe(false);
  });
});

describe('IncidentDetector: impact', () => {
  it('is none while users see no errors, minor once they do, major in a major outage', async () => {
    const quiet = setup();
    expect((await openIncidentOnX(quiet)).impact).toBe('none');

    const failing = setup();
    failing.state.recordRequest('m', 'server_error', 5);
    for (let index = 0; index < 199; index++) failing.state.recordRequest('m', 'success', 5);
    // One error in 200 requests: the model is still operational, but a user saw it.
    expect((await openIncidentOnX(failing)).impact).toBe('minor');

    const down = setup({}, { m: ['x'] });
    down.record('x', 'server_error', 5);
    for (let second = 0; second <= 4; second++) {
      for (let index = 0; index < 10; index++) down.state.recordRequest('m', 'server_error', 5);
      await down.detector.evaluate();
      down.clock.advance(1_000);
    }
    const [incident] = await down.store.listIncidents({ open: true });
    expect(incident?.impact).toBe('major');
  });
});

describe('IncidentDetector: which deployments an incident is about', () => {
  it('opened by a major outage before incidentAfter: the deployments not closed', async () => {
    const { clock, record, state, detector, store } = setup({ enterMs: 0 });
    record('x', 'server_error', 5);
    for (let index = 0; index < 10; index++) state.recordRequest('m', 'server_error', 5);
    await detector.evaluate();
    const [incident] = await store.listIncidents({ open: true });
    expect(incident).toMatchObject({ impact: 'major', deployments: ['a/x'], startedAt: clock.now() });
  });

  it('once quiet: the deployments that were in trouble while it was open', async () => {
    const context = setup();
    await openIncidentOnX(context);
    const evidence = (await quietX(context)) as unknown as {
      deployments: Array<{ id: string; troubled: boolean }>;
    };
    expect(evidence.deployments).toEqual([
      expect.objectContaining({ id: 'a/x', troubled: true }),
      expect.objectContaining({ id: 'a/y', troubled: false }),
    ]);
  });
});

describe('IncidentDetector: what it publishes and lets go', () => {
  it('shows each model with its description, and its deployments with their provider', async () => {
    const clock = new ManualClock(START);
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    const health = new MemoryHealthStore({ clock });
    const routes = tableOf({ m: ['x'], n: ['y'] });
    const described = new ModelTable(
      routes
        .list()
        .map((route) => (route.name === 'm' ? { ...route, description: 'The main model' } : route)),
    );
    const detector = new IncidentDetector(
      new RoutingState({ health, clock }),
      () => ({ table: described }),
      store,
      clock,
    );
    await detector.evaluate();
    expect(detector.snapshot()).toStrictEqual([
      {
        name: 'm',
        description: 'The main model',
        status: 'operational',
        deployments: [{ id: 'a/x', provider: 'a', status: 'operational' }],
      },
      {
        name: 'n',
        status: 'operational',
        deployments: [{ id: 'a/y', provider: 'a', status: 'operational' }],
      },
    ]);
  });

  it('lets go of the one incident an operator resolved, and keeps following the others', async () => {
    const context = setup({}, { m: ['x'], n: ['y'] });
    const { clock, record, detector, store } = context;
    record('x', 'server_error', 5);
    record('y', 'server_error', 5);
    await detector.evaluate();
    clock.advance(2_000);
    await detector.evaluate();
    const opened = await store.listIncidents({ open: true });
    const onM = opened.find((incident) => incident.components[0] === 'm')!;
    const onN = opened.find((incident) => incident.components[0] === 'n')!;
    await store.addIncidentUpdate(
      onM.id,
      { at: clock.now(), status: 'resolved', body: 'by hand' },
      { status: 'resolved' },
    );
    detector.release(onM.id);
    clock.advance(1_000);
    await detector.evaluate();
    const after = await store.listIncidents({});
    // The trouble on m goes on: a new incident; n's goes on as the same one.
    expect(
      after.filter((incident) => incident.components[0] === 'm').map((incident) => incident.status),
    ).toEqual(['investigating', 'resolved']);
    expect(
      after
        .filter((incident) => incident.components[0] === 'n')
        .map((incident) => [incident.id, incident.status]),
    ).toEqual([[onN.id, 'identified']]);
  });
});

describe('IncidentDetector: one writer among replicas', () => {
  it('a follower publishes what it sees but writes nothing: no incident, alert, event or uptime sample', async () => {
    const leader = setup();
    await leader.detector.evaluate();
    expect(leader.detector.isLeader()).toBe(true);
    const follower = setup({}, undefined, leader);
    follower.record('x', 'server_error', 5);
    follower.record('y', 'rate_limited', 1, 30_000);
    for (let step = 0; step < 4; step++) {
      for (let index = 0; index < 10; index++) follower.state.recordRequest('m', 'server_error', 5);
      await follower.detector.evaluate();
      leader.clock.advance(1_000);
      await leader.detector.evaluate();
    }
    leader.clock.advance(60_000);
    await leader.detector.evaluate();
    await follower.detector.evaluate();
    expect(follower.detector.isLeader()).toBe(false);
    expect(follower.detector.snapshot()[0]?.status).toBe('major_outage');
    expect(follower.detector.snapshot()[0]?.deployments.map((d) => [d.id, d.status])).toEqual([
      ['a/x', 'major_outage'],
      ['a/y', 'operational'],
    ]);
    expect(follower.events).toEqual([]);
    expect(await leader.store.listIncidents({})).toEqual([]);
    expect(await leader.store.listAlerts({})).toEqual([]);
    // The leader's samples, one per minute: the follower saw a/x in major outage in both.
    const [today] = await leader.store.dailyUptime('a/x', 1, leader.clock.now());
    expect(today?.minutes).toEqual({ operational: 2 });
  });

  it('records one uptime sample per component and minute it evaluates', async () => {
    const { clock, detector, store } = setup();
    clock.set(Math.ceil(START / 86_400_000) * 86_400_000 + 10_000);
    for (const step of [0, 30_000, 30_000, 30_000]) {
      clock.advance(step);
      await detector.evaluate();
    }
    for (const component of ['m', 'a/x', 'a/y']) {
      expect(await store.dailyUptime(component, 1, clock.now())).toEqual([
        { day: new Date(clock.now()).toISOString().slice(0, 10), minutes: { operational: 2 } },
      ]);
    }
  });

  it('a replica takes the writer’s place three intervals after its last renewal, and continues its incident', async () => {
    const leader = setup();
    await openIncidentOnX(leader);
    const follower = setup({}, undefined, leader);
    follower.record('x', 'server_error', 5);
    leader.clock.advance(3_000 - 1);
    await follower.detector.evaluate();
    expect(follower.detector.isLeader()).toBe(false);
    leader.clock.advance(1);
    await follower.detector.evaluate();
    expect(follower.detector.isLeader()).toBe(true);
    leader.clock.advance(2_000);
    await follower.detector.evaluate();
    const incidents = await leader.store.listIncidents({});
    expect(incidents.map((incident) => incident.status)).toEqual(['identified']);
    expect(
      follower.events.filter((event) => event.type.startsWith('incident.')).map((event) => event.type),
    ).toEqual(['incident.updated']);
  });

  it('hands the lease over at once when the writer stops', async () => {
    const leader = setup();
    await leader.detector.evaluate();
    const follower = setup({}, undefined, leader);
    await follower.detector.evaluate();
    expect(follower.detector.isLeader()).toBe(false);
    await leader.detector.stop();
    expect(leader.detector.isLeader()).toBe(false);
    await follower.detector.evaluate();
    expect(follower.detector.isLeader()).toBe(true);
  });
});

describe('IncidentDetector: its timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('evaluates every interval once started, restarts on a new interval only, and not at all once stopped', async () => {
    vi.useFakeTimers();
    const { detector, store } = setup();
    const leases = vi.spyOn(store, 'acquireLease');
    detector.configure({ intervalMs: 500 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(leases).toHaveBeenCalledTimes(0);

    detector.start();
    detector.start();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(leases).toHaveBeenCalledTimes(3);

    // Same interval: the timer keeps its phase (the next evaluation 500 ms after the last).
    await vi.advanceTimersByTimeAsync(250);
    detector.configure({ intervalMs: 500, enterMs: 1 });
    await vi.advanceTimersByTimeAsync(250);
    expect(leases).toHaveBeenCalledTimes(4);

    detector.configure({ intervalMs: 10_000 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(leases).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(leases).toHaveBeenCalledTimes(5);

    await detector.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(leases).toHaveBeenCalledTimes(5);
  });
});

describe('IncidentDetector: taking over what the store holds open', () => {
  /** Writes an open incident as an earlier run would have left it, updated last at `updatedAt`. */
  async function leftOpen(
    store: SqliteStore,
    fields: {
      id: string;
      kind: Incident['kind'];
      status: IncidentStatus;
      model: string;
      manual?: boolean;
      startedAt?: number;
      usersSawErrors?: boolean;
    },
    at: number,
  ) {
    const startedAt = fields.startedAt ?? at - 60_000;
    await store.createIncident(
      {
        id: fields.id,
        kind: fields.kind,
        status: 'investigating',
        impact: 'none',
        title: fields.id,
        components: [fields.model],
        deployments: [`a/${fields.model}`],
        startedAt,
        updatedAt: startedAt,
        evidence: { users: { sawErrors: fields.usersSawErrors ?? false } },
        manual: fields.manual ?? false,
      },
      { at: startedAt, status: 'investigating', body: 'opened' },
    );
    if (fields.status !== 'investigating')
      await store.addIncidentUpdate(
        fields.id,
        { at, status: fields.status, body: fields.status },
        { status: fields.status },
      );
  }

  it('continues each on its own timeline, keeps a monitoring incident’s quiet clock, and leaves hand-made ones alone', async () => {
    const clock = new ManualClock(START);
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    // Newest first: by-hand, outage-m, then stale-m, which a version that did not take incidents over
    // left beside it. Only the newest detected one is continued.
    await leftOpen(
      store,
      { id: 'stale-m', kind: 'outage', status: 'identified', model: 'm', startedAt: START - 90_000 },
      START - 8_000,
    );
    await leftOpen(
      store,
      { id: 'outage-m', kind: 'outage', status: 'identified', model: 'm' },
      START - 8_000,
    );
    await leftOpen(
      store,
      {
        id: 'by-hand',
        kind: 'outage',
        status: 'identified',
        model: 'm',
        manual: true,
        startedAt: START - 30_000,
      },
      START - 8_000,
    );
    await leftOpen(
      store,
      { id: 'quality-m', kind: 'quality', status: 'identified', model: 'm' },
      START - 8_000,
    );
    await leftOpen(store, { id: 'quiet-n', kind: 'outage', status: 'monitoring', model: 'n' }, START - 8_000);
    const { detector, events } = setup({}, { m: ['x'], n: ['y'] }, { clock, store });
    const statuses = async () =>
      Object.fromEntries((await store.listIncidents({})).map((incident) => [incident.id, incident.status]));

    // Without canaries a quality incident has nothing to wait for: quiet at once. The outage is
    // watched for incidentAfter first, since health starts empty.
    await detector.evaluate();
    expect(await statuses()).toEqual({
      'by-hand': 'identified',
      'stale-m': 'identified',
      'outage-m': 'identified',
      'quality-m': 'monitoring',
      'quiet-n': 'monitoring',
    });
    clock.advance(1_999);
    await detector.evaluate();
    expect((await statuses())['outage-m']).toBe('identified');
    // quiet-n went quiet 8 s before the restart: resolveAfter (10 s) ends 2 s after it.
    clock.advance(1);
    await detector.evaluate();
    expect(await statuses()).toEqual({
      'by-hand': 'identified',
      'stale-m': 'identified',
      'outage-m': 'monitoring',
      'quality-m': 'monitoring',
      'quiet-n': 'resolved',
    });
    clock.advance(10_000);
    await detector.evaluate();
    expect(await statuses()).toEqual({
      'by-hand': 'identified',
      'stale-m': 'identified',
      'outage-m': 'resolved',
      'quality-m': 'resolved',
      'quiet-n': 'resolved',
    });
    expect((await store.getIncident('by-hand'))?.updates).toHaveLength(2);
    expect(events.filter((event) => event.type === 'incident.created')).toEqual([]);
  });

  it('continues a taken-over incident when its trouble is back, instead of opening a second', async () => {
    const clock = new ManualClock(START);
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    await leftOpen(
      store,
      { id: 'outage-m', kind: 'outage', status: 'monitoring', model: 'm' },
      START - 1_000,
    );
    const context = setup({}, { m: ['x'] }, { clock, store });
    context.record('x', 'server_error', 5);
    await context.detector.evaluate();
    clock.advance(2_000);
    await context.detector.evaluate();
    const incidents = await store.listIncidents({});
    expect(incidents.map((incident) => [incident.id, incident.status])).toEqual([['outage-m', 'identified']]);
    expect(incidents[0]?.updates.at(-1)?.body).toMatch(/^The problem returned\. /);
  });

  it('ends a taken-over alert after leaveAfter without its cause, and keeps it, not a second one, when the cause is back', async () => {
    const clock = new ManualClock(START);
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    for (const kind of ['auth', 'rate_limited'] as const)
      await store.recordAlert({ at: START - 60_000, kind, provider: 'a', deployment: 'a/x', message: kind });
    const { detector, record, openAlerts } = setup({}, { m: ['x'] }, { clock, store });
    await detector.evaluate();
    record('x', 'auth');
    clock.advance(4_999);
    await detector.evaluate();
    expect((await openAlerts()).sort()).toEqual([
      ['auth', 'a/x'],
      ['rate_limited', 'a/x'],
    ]);
    clock.advance(1);
    await detector.evaluate();
    expect(await openAlerts()).toEqual([['auth', 'a/x']]);
    expect(await store.listAlerts({})).toHaveLength(2);
  });

  it('keeps what a taken-over incident said about users seeing errors', async () => {
    const clock = new ManualClock(START);
    const store = new SqliteStore({ path: ':memory:' });
    stores.push(store);
    await leftOpen(
      store,
      { id: 'seen', kind: 'outage', status: 'identified', model: 'm', usersSawErrors: true },
      START - 1_000,
    );
    await leftOpen(store, { id: 'unseen', kind: 'outage', status: 'identified', model: 'n' }, START - 1_000);
    const { detector } = setup({}, { m: ['x'], n: ['y'] }, { clock, store });
    await detector.evaluate();
    clock.advance(2_000);
    await detector.evaluate();
    const sawErrors = async (id: string) => {
      const incident = await store.getIncident(id);
      expect(incident?.status).toBe('monitoring');
      return (incident!.evidence as { users: { sawErrors: boolean } }).users.sawErrors;
    };
    expect(await sawErrors('seen')).toBe(true);
    expect(await sawErrors('unseen')).toBe(false);
  });
});
