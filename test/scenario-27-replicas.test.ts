import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { DeploymentStatus } from '../src/health/index.js';
import { type RunningGateway, startGateway } from '../src/server/index.js';
import { type Simulator, startSimulator } from '../src/sim/index.js';
import { SqliteStore } from '../src/store/index.js';
import { deletePrefix, REDIS_TEST_URL, RedisRelay, requireRedis, uniquePrefix } from './support/redis.js';

// SCENARIOS.md 27: three replicas of one gateway in front of one simulator, sharing one Redis under
// a key prefix of this run's own. Replica 3 reaches Redis through a TCP relay the test can cut and
// restore, which is Redis stopping and coming back as that replica sees it, while the other two
// keep using it. The clock is the system clock: replicas compare transition times, as in production.
const reachable = await requireRedis();

const ADMIN_KEY = 'admin-key-for-scenario-27';
const PREFIX = uniquePrefix('scenario-27');
/** The scenario's bound: "ejected on every replica within 2 s of the first replica ejecting it". */
const SPREAD_BOUND_MS = 2_000;

function config(simUrl: string, redisUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: off }
state: { redis: ${redisUrl}, keyPrefix: "${PREFIX}" }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
  c: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/c/v1, apiKey: key-c-secret }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  n: { deployments: [ { provider: c, model: up-n }, { provider: b, model: up-n } ] }
timeouts: { connect: 2s, firstToken: 3s, idle: 3s, total: 20s }
retry: { backoffBase: 20ms, backoffMax: 100ms }
health:
  ejection: { baseTime: 5m, maxTime: 10m, jitter: 0 }
  probes: { enabled: false }
`;
}

/** Polls `read` until it returns true or `deadlineMs` passes; true when it did. */
async function eventually(read: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (read()) return true;
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function ask(gateway: RunningGateway, model: string): Promise<number> {
  const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: hi' }] }),
  });
  await answer.arrayBuffer();
  return answer.status;
}

async function admin(gateway: RunningGateway, action: string, deployment: string): Promise<number> {
  const answer = await fetch(`${gateway.url}/admin/deployments/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ deployment }),
  });
  await answer.arrayBuffer();
  return answer.status;
}

function status(gateway: RunningGateway, deployment: string): DeploymentStatus {
  return gateway.state.health.status(deployment);
}

function sharedUp(gateway: RunningGateway): boolean {
  return gateway.sharedHealth?.up === true && gateway.access.shared?.up === true;
}

describe.runIf(reachable)('scenario 27: three replicas sharing Redis', () => {
  let sim: Simulator;
  const relay = new RedisRelay();
  const replicas: RunningGateway[] = [];
  const replica = (index: number): RunningGateway => {
    const found = replicas[index];
    if (found === undefined) throw new Error(`replica ${index + 1} did not start`);
    return found;
  };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 27 });
    await relay.open();
    const relayUrl = `redis://127.0.0.1:${relay.port}`;
    for (const redisUrl of [REDIS_TEST_URL, REDIS_TEST_URL, relayUrl]) {
      const parsed = parseConfig(config(sim.url, redisUrl), 'scenario-27.yaml', {});
      replicas.push(
        await startGateway(parsed, {
          store: new SqliteStore({ path: ':memory:' }),
          port: 0,
          host: '127.0.0.1',
          logger: false,
        }),
      );
    }
    expect(await eventually(() => replicas.every(sharedUp), 10_000)).toBe(true);
  });

  afterAll(async () => {
    for (const gateway of replicas) await gateway.close();
    await relay.cut();
    await sim?.close();
    if (reachable) await deletePrefix(PREFIX);
  });

  it('ejects A on every replica within 2 s of the replica that saw the fault ejecting it', async () => {
    sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    const first = replica(0);
    const statuses: number[] = [];
    while (status(first, 'a/up-m').state === 'closed' && statuses.length < 10)
      statuses.push(await ask(first, 'm'));
    // Scenario 1 on replica 1: every client request answered (failover to B), A ejected after 5.
    expect(statuses).toEqual(Array(5).fill(200));
    expect(status(first, 'a/up-m').state).toBe('open');
    const spread = await eventually(
      () => [replica(1), replica(2)].every((gateway) => status(gateway, 'a/up-m').state !== 'closed'),
      SPREAD_BOUND_MS,
    );
    expect(spread).toBe(true);
    // The others sent A nothing: they hold A ejected because replica 1 said so, until the same end.
    expect(status(replica(1), 'a/up-m').openUntil).toBe(status(first, 'a/up-m').openUntil);
    // Replica 1's outcome counts reach their windows in its next batch, once each (no echo).
    const failuresOfA = (gateway: RunningGateway) =>
      gateway.state.health.window('a/up-m').read(60_000).byResult.overloaded ?? 0;
    expect(
      await eventually(() => failuresOfA(replica(1)) === 5 && failuresOfA(replica(2)) === 5, 3_000),
    ).toBe(true);
    expect(replica(1).state.health.window('a/up-m').consecutiveFailures).toBe(0);
    // And they route around it without sending it a request.
    const callsToA = sim.stats().hosts.a?.requests ?? 0;
    expect(await ask(replica(1), 'm')).toBe(200);
    expect(await ask(replica(2), 'm')).toBe(200);
    expect(sim.stats().hosts.a?.requests ?? 0).toBe(callsToA);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(replicas.map(failuresOfA)).toEqual([5, 5, 5]);
    sim.clearFaults();
  });

  it('applies a drain made on one replica on all, and an enable made on another on all', async () => {
    expect(await admin(replica(0), 'drain', 'c/up-n')).toBe(200);
    const drained = await eventually(
      () => replicas.every((gateway) => status(gateway, 'c/up-n').drained),
      SPREAD_BOUND_MS,
    );
    expect(drained).toBe(true);
    expect(await admin(replica(1), 'enable', 'c/up-n')).toBe(200);
    const enabled = await eventually(
      () => replicas.every((gateway) => !status(gateway, 'c/up-n').drained),
      SPREAD_BOUND_MS,
    );
    expect(enabled).toBe(true);
    // Nothing echoed back: the drain did not come back after the enable.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(replicas.map((gateway) => status(gateway, 'c/up-n').drained)).toEqual([false, false, false]);
  });

  it('serves every request while Redis is away, says degraded, and resynchronises when it returns', async () => {
    const third = replica(2);
    await relay.cut();
    expect(await eventually(() => third.sharedHealth?.up === false, 5_000)).toBe(true);

    const ready = await fetch(`${third.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', sharedState: 'unreachable' });
    expect(await sharedStateGauge(third)).toMatchObject({ health: 0 });
    expect(await sharedStateGauge(replica(0))).toMatchObject({ health: 1 });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push(await ask(third, index % 2 === 0 ? 'm' : 'n'));
    expect(statuses).toEqual([200, 200, 200, 200]);

    // A drain while replica 3 cannot hear: replica 2 takes it, replica 3 cannot yet.
    expect(await admin(replica(0), 'drain', 'c/up-n')).toBe(200);
    expect(await eventually(() => status(replica(1), 'c/up-n').drained, SPREAD_BOUND_MS)).toBe(true);
    expect(status(third, 'c/up-n').drained).toBe(false);
    // And a switch made on replica 3 while away, which the others must take once it is back.
    expect(await admin(third, 'force-enable', 'b/up-m')).toBe(200);

    await relay.open();
    expect(await eventually(() => sharedUp(third), 10_000)).toBe(true);
    expect(await eventually(() => status(third, 'c/up-n').drained, SPREAD_BOUND_MS)).toBe(true);
    expect(
      await eventually(
        () => [replica(0), replica(1)].every((gateway) => status(gateway, 'b/up-m').forced),
        SPREAD_BOUND_MS,
      ),
    ).toBe(true);
    expect(await (await fetch(`${third.url}/readyz`)).json()).toEqual({ status: 'ready', models: 2 });
    const gauge = await sharedStateGauge(third);
    expect(gauge.health).toBe(1);
    expect(Object.values(gauge).every((up) => up === 1)).toBe(true);
  });
});

/** `detour_shared_state_up` per part, read from a replica's `/metrics`. */
async function sharedStateGauge(gateway: { url: string }): Promise<Record<string, number>> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const parts: Record<string, number> = {};
  for (const match of text.matchAll(/^detour_shared_state_up\{part="(\w+)"\} (\d+)$/gm))
    parts[match[1] ?? ''] = Number(match[2]);
  return parts;
}
