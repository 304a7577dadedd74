import { once } from 'node:events';
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
