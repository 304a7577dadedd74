import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deletePrefix,
  REDIS_TEST_URL,
  RedisRelay,
  requireRedis,
  uniquePrefix,
} from '../../test/support/redis.js';
import { RedisState } from '../access/index.js';
import { ManualClock } from '../core/index.js';
import { MemoryHealthStore } from './memory-health-store.js';
import { SharedHealth } from './redis-health-sync.js';
import { trialOwnerOf } from './trial-owner.js';

// Three replicas' health on one real Redis, under a key prefix of this test's own, on one manual
// clock: the breakers' times are the clock's, so the test moves past an ejection without waiting.
const reachable = await requireRedis();

const DEPLOYMENT = 'a/up-m';
const HANDOVER_MS = 30_000;
const BREAKER = { ejection: { baseTime: 60_000, jitter: 0 } };

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** Polls `read` (a real-time wait for Redis's pub/sub) until true; fails after 5 s. */
async function until(read: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!read()) {
    if (Date.now() > end) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Replica {
  id: string;
  health: MemoryHealthStore;
  state: RedisState;
  shared: SharedHealth;
}

/** One replica as start-gateway wires it: the heartbeat's id is the health channel's id. */
async function replica(
  id: string,
  prefix: string,
  clock: ManualClock,
  healthUrl = REDIS_TEST_URL,
): Promise<Replica> {
  const state = new RedisState({ url: REDIS_TEST_URL, keyPrefix: prefix, clock, replicaId: id });
  const health = new MemoryHealthStore({ clock, breaker: BREAKER, probeAfterMs: 5_000 });
  const shared = new SharedHealth({
    store: health,
    url: healthUrl,
    keyPrefix: prefix,
    clock,
    replicaId: id,
    outcomeIntervalMs: 50,
    trialHandoverMs: HANDOVER_MS,
  });
  closing.push(async () => {
    await shared.close();
    await state.close();
  });
  if (!state.up) await once(state.client, 'ready');
  await state.heartbeat();
  return { id, health, state, shared };
}

/** Three replicas that each know all three are alive; the third's health channel goes through `relay`. */
async function fleet(relay?: RedisRelay) {
  const prefix = uniquePrefix('trials');
  closing.push(async () => {
    await deletePrefix(prefix);
  });
  const clock = new ManualClock(Date.parse('2026-11-30T12:00:00.000Z'));
  const replicas = [
    await replica('replica-1', prefix, clock),
    await replica('replica-2', prefix, clock),
    await replica(
      'replica-3',
      prefix,
      clock,
      relay === undefined ? undefined : `redis://127.0.0.1:${relay.port}`,
    ),
  ];
  await until(() => replicas.every((one) => one.shared.up && one.shared.replicas.length === 3));
  return { clock, replicas };
}

/** Fails the deployment on `one` until it ejects it (five host failures in a row). */
function eject(one: Replica, clock: ManualClock): void {
  for (let index = 0; index < 5; index += 1)
    one.health.record({ deploymentId: DEPLOYMENT, at: clock.now(), result: 'server_error', latencyMs: 5 });
  expect(one.health.status(DEPLOYMENT).state).toBe('open');
}

describe.runIf(reachable)('SharedHealth: half-open trials', () => {
  it('gives an ejection’s trials to one replica; the others wait for its verdict and take the restore', async () => {
    const { clock, replicas } = await fleet();
    const owner = trialOwnerOf(DEPLOYMENT, ['replica-1', 'replica-2', 'replica-3']);
    // Ejected on a replica that is not the owner, so the owner learns of it only through Redis.
    const ejecting = replicas.find((one) => one.id !== owner) as Replica;
    eject(ejecting, clock);
    await until(() => replicas.every((one) => one.health.status(DEPLOYMENT).state === 'open'));
    const openUntil = ejecting.health.status(DEPLOYMENT).openUntil as number;

    clock.advance(60_001);
    for (const one of replicas) {
      const status = one.health.status(DEPLOYMENT);
      expect(status.state).toBe('half_open');
      if (one.id === owner) {
        expect(status).toMatchObject({ admission: 'trial', trialsAvailable: 3 });
        expect(status.trialsElsewhereUntil).toBeUndefined();
        expect(one.health.dueForProbe(clock.now() + 5_000)).toEqual([DEPLOYMENT]);
      } else {
        expect(status).toMatchObject({
          admission: 'no',
          trialsAvailable: 0,
          trialsElsewhereUntil: openUntil + HANDOVER_MS,
        });
        expect(one.health.breaker(DEPLOYMENT).acquireTrial(clock.now())).toBeUndefined();
        expect(one.health.dueForProbe(clock.now() + 5_000)).toEqual([]);
      }
    }

    // The owner's three trials pass: it restores, and so does every replica.
    const ownerReplica = replicas.find((one) => one.id === owner) as Replica;
    for (let index = 0; index < 3; index += 1) {
      const lease = ownerReplica.health.breaker(DEPLOYMENT).acquireTrial(clock.now());
      expect(lease).toBeDefined();
      ownerReplica.health.record(
        { deploymentId: DEPLOYMENT, at: clock.now(), result: 'success', latencyMs: 5 },
        lease,
      );
    }
    await until(() => replicas.every((one) => one.health.status(DEPLOYMENT).state === 'closed'));
  });

  it('leaves health checks during the ejection to the owner', async () => {
    const { clock, replicas } = await fleet();
    const owner = trialOwnerOf(DEPLOYMENT, ['replica-1', 'replica-2', 'replica-3']);
    eject(replicas[0] as Replica, clock);
    await until(() => replicas.every((one) => one.health.status(DEPLOYMENT).state === 'open'));
    clock.advance(10_000);
    for (const one of replicas)
      expect(one.health.dueForHealthCheck(clock.now())).toEqual(one.id === owner ? [DEPLOYMENT] : []);
  });

  it('takes its own trials once the handover time passes with no verdict (the owner died)', async () => {
    const { clock, replicas } = await fleet();
    const owner = replicas.find(
      (one) => one.id === trialOwnerOf(DEPLOYMENT, ['replica-1', 'replica-2', 'replica-3']),
    ) as Replica;
    const others = replicas.filter((one) => one !== owner);
    eject(others[0] as Replica, clock);
    await until(() => replicas.every((one) => one.health.status(DEPLOYMENT).state === 'open'));
    await owner.shared.close();
    await owner.state.close();

    clock.advance(60_000 + HANDOVER_MS - 1);
    for (const one of others) expect(one.health.status(DEPLOYMENT).admission).toBe('no');
    clock.advance(1);
    for (const one of others) expect(one.health.status(DEPLOYMENT).admission).toBe('trial');
  });

  it('trials its own ejection while Redis is away, as the owner cannot hear of it', async () => {
    const relay = new RedisRelay();
    await relay.open();
    closing.push(() => relay.cut());
    const { clock, replicas } = await fleet(relay);
    const cutOff = replicas[2] as Replica;
    await relay.cut();
    await until(() => !cutOff.shared.up);
    eject(cutOff, clock);
    clock.advance(60_001);
    expect(cutOff.health.status(DEPLOYMENT)).toMatchObject({ admission: 'trial', trialsAvailable: 3 });
    expect(cutOff.health.status(DEPLOYMENT).trialsElsewhereUntil).toBeUndefined();
  });

  it('on reconnecting takes what the others did while it was away, and gives back what it did', async () => {
    const relay = new RedisRelay();
    await relay.open();
    closing.push(() => relay.cut());
    const { clock, replicas } = await fleet(relay);
    const [first, second, cutOff] = replicas as [Replica, Replica, Replica];
    first.health.breaker('c/third').drain();
    await until(() => cutOff.health.status('c/third').drained);
    await relay.cut();
    await until(() => !cutOff.shared.up);
    eject(first, clock);
    await until(() => second.health.status(DEPLOYMENT).state === 'open');
    expect(cutOff.health.status(DEPLOYMENT).state).toBe('closed');
    clock.advance(1_000);
    cutOff.health.breaker('b/other').drain();
    cutOff.health.breaker('c/third').undrain(); // newer than the drain the hash holds
    await relay.open();
    await until(() => cutOff.shared.up);
    await until(() => cutOff.health.status(DEPLOYMENT).state === 'open');
    await until(() => first.health.status('b/other').drained && second.health.status('b/other').drained);
    await until(() => !first.health.status('c/third').drained && !second.health.status('c/third').drained);
    // The drain came from the replica that was away; the ejection stays where it was.
    expect(first.health.status(DEPLOYMENT).state).toBe('open');
    expect(cutOff.health.status('b/other')).toMatchObject({ drained: true, admission: 'no' });
  });

  it('runs its own trials when it does not know itself alive (no heartbeat under its id)', async () => {
    const prefix = uniquePrefix('trials-alone');
    closing.push(async () => {
      await deletePrefix(prefix);
    });
    const clock = new ManualClock(Date.parse('2026-11-30T12:00:00.000Z'));
    const health = new MemoryHealthStore({ clock, breaker: BREAKER });
    // Beats under another id than the health channel's: the live set does not name this replica.
    const state = new RedisState({ url: REDIS_TEST_URL, keyPrefix: prefix, clock, replicaId: 'beats-as-x' });
    const shared = new SharedHealth({
      store: health,
      url: REDIS_TEST_URL,
      keyPrefix: prefix,
      clock,
      replicaId: 'y',
    });
    closing.push(async () => {
      await shared.close();
      await state.close();
    });
    if (!state.up) await once(state.client, 'ready');
    await state.heartbeat();
    await until(() => shared.up && shared.replicas.length === 1);
    const one: Replica = { id: 'y', health, state, shared };
    eject(one, clock);
    clock.advance(60_001);
    expect(health.status(DEPLOYMENT)).toMatchObject({ admission: 'trial', trialsAvailable: 3 });
  });
});

describe.runIf(reachable)('SharedHealth: what it cannot read', () => {
  /** A raw connection to publish what another writer (another version, a stray client) might. */
  async function rawClient(): Promise<Redis> {
    const client = new Redis(REDIS_TEST_URL);
    closing.push(async () => {
      client.disconnect();
    });
    await once(client, 'ready');
    return client;
  }

  it('applies only well-formed transitions from other replicas, and none of its own', async () => {
    const { clock, replicas } = await fleet();
    const [first, second] = replicas as [Replica, Replica, Replica];
    eject(first, clock);
    const prefix = first.state.prefix;
    const raw = await rawClient();
    // The hash and the channel are written in one transaction: once the second replica has the
    // ejection, the hash holds the record to copy.
    await until(() => second.health.status(DEPLOYMENT).state === 'open');
    const text = await raw.hget(`${prefix}breakers`, `machine:${DEPLOYMENT}`);
    if (text === null) throw new Error('no shared record of the ejection');
    const real = JSON.parse(text) as Record<string, unknown> & { breaker: Record<string, unknown> };
    const record = (deploymentId: string, changes: Record<string, unknown> = {}) =>
      JSON.stringify({ ...real, from: 'outsider', at: clock.now() + 1, deploymentId, ...changes });
    const malformed: Array<[string, string]> = [
      ['b/kind', record('b/kind', { kind: 'exploded' })],
      ['b/from', record('b/from', { from: 42 })],
      ['b/at', record('b/at', { at: String(clock.now() + 1) })],
      ['b/breaker', record('b/breaker', { breaker: null })],
      ['b/version', record('b/version', { breaker: { ...real.breaker, version: 1 } })],
      ['b/machine', record('b/machine', { breaker: { ...real.breaker, machine: 'open' } })],
      ['b/self', record('b/self', { from: second.id })],
    ];
    const channel = `${prefix}health`;
    for (const message of ['not json', 'null', '5', record('b/id', { deploymentId: 7 })])
      await raw.publish(channel, message);
    for (const [, message] of malformed) await raw.publish(channel, message);
    await raw.publish(channel, record('b/control'));
    // Messages on one channel arrive in order: once the control is applied, the others were read.
    await until(() => second.health.status('b/control').state === 'open');
    for (const [deploymentId] of malformed) expect(second.health.status(deploymentId).state).toBe('closed');
    // Its own id: the others take it, the replica it names does not take it back.
    await until(() => first.health.status('b/self').state === 'open');
    expect(second.health.status('b/self').state).toBe('closed');
  });

  it('merges only well-formed outcome counts from other replicas', async () => {
    const { clock, replicas } = await fleet();
    const [first, second] = replicas as [Replica, Replica, Replica];
    const prefix = first.state.prefix;
    const raw = await rawClient();
    const second0 = String(Math.floor(clock.now() / 1000));
    const batch = (counts: unknown, from: unknown = 'outsider') => JSON.stringify({ from, counts });
    const channel = `${prefix}outcomes`;
    for (const message of [
      'not json',
      'null',
      batch({ 'b/o': { [second0]: { success: 100 } } }, 7),
      batch(null),
      batch({ 'b/o': null }),
      batch({ 'b/o': { [second0]: null } }),
      batch({ 'b/o': { [`${second0}a`]: { success: 100 } } }),
      batch({ 'b/o': { [second0]: { success: 2.5, server_error: -1, timeout: 0, overloaded: '3' } } }),
      batch({ 'b/o': { [second0]: { rate_limited: 4 } } }, second.id),
    ])
      await raw.publish(channel, message);
    await raw.publish(channel, batch({ 'b/o': { [second0]: { success: 1, server_error: 2 } } }));
    const window = (one: Replica) =>
      one.health.snapshot().find((row) => row.id === 'b/o')?.windows.oneMinute.byResult;
    await until(() => window(second)?.success === 1);
    // Only the control batch: nothing from the malformed ones, nothing from the batch naming itself.
    expect(window(second)).toEqual({ success: 1, server_error: 2 });
    // The others took the batch sent under the second replica's id.
    await until(() => window(first)?.rate_limited === 4 && window(first)?.success === 1);
    expect(window(first)).toEqual({ success: 1, server_error: 2, rate_limited: 4 });
  });

  it('sends the outcomes recorded here to the others, counted in the second they happened', async () => {
    const { clock, replicas } = await fleet();
    const [first, second] = replicas as [Replica, Replica, Replica];
    const record = (result: 'success' | 'server_error') =>
      first.health.record({ deploymentId: 'b/sent', at: clock.now(), result, latencyMs: 5 });
    record('success');
    record('success');
    record('server_error');
    const window = (one: Replica) => one.health.snapshot().find((row) => row.id === 'b/sent')?.windows;
    await until(() => window(second)?.oneMinute.total === 3);
    expect(window(second)?.oneMinute.byResult).toEqual({ success: 2, server_error: 1 });
    // The counts sit in the current second: a window of one second holds them.
    expect(second.health.window('b/sent').read(1_000).total).toBe(3);
  });

  it('keeps the shared breakers for a day after the last transition', async () => {
    const { clock, replicas } = await fleet();
    const [first] = replicas as [Replica, Replica, Replica];
    eject(first, clock);
    const raw = await rawClient();
    const key = `${first.state.prefix}breakers`;
    // The ejection is written in the background: wait for the key (PTTL is negative until then).
    let expiresIn = await raw.pttl(key);
    for (const end = Date.now() + 5_000; expiresIn < 0 && Date.now() < end; expiresIn = await raw.pttl(key))
      await new Promise((resolve) => setTimeout(resolve, 10));
    const day = 24 * 60 * 60 * 1000;
    expect(expiresIn).toBeGreaterThan(day - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(day);
  });

  it('shares a reset as one transition of both the machine and the switches', async () => {
    const { clock, replicas } = await fleet();
    const [first, second] = replicas as [Replica, Replica, Replica];
    eject(first, clock);
    first.health.breaker(DEPLOYMENT).drain();
    await until(
      () => second.health.status(DEPLOYMENT).state === 'open' && second.health.status(DEPLOYMENT).drained,
    );
    clock.advance(1_000);
    first.health.reset(DEPLOYMENT, clock.now());
    await until(() => second.health.status(DEPLOYMENT).state === 'closed');
    expect(second.health.status(DEPLOYMENT)).toMatchObject({
      state: 'closed',
      drained: false,
      admission: 'yes',
    });
    // The hash holds the reset under both fields, for a replica that reconnects later.
    const raw = await rawClient();
    const stored = await raw.hgetall(`${first.state.prefix}breakers`);
    expect(JSON.parse(stored[`machine:${DEPLOYMENT}`] ?? '{}').kind).toBe('reset');
    expect(JSON.parse(stored[`switches:${DEPLOYMENT}`] ?? '{}').kind).toBe('reset');
  });
});
