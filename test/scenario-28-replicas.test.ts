import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createKey } from './support/client-keys.js';
import {
  dropSchema,
  onTestDatabase,
  POSTGRES_TEST_URL,
  requirePostgres,
  uniqueSchema,
} from './support/postgres.js';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from './support/redis.js';
import { type Stack, startStack } from './support/start-stack.js';

// Scenario 28 across replicas: three gateways sharing one PostgreSQL store and one Redis, a key
// with a $1.00 budget, 50 concurrent requests spread over the three, each able to cost ~7.5 ¢ and
// costing 2.5 ¢. Spend never passes the budget; the requests over it get 429 insufficient_quota;
// with Redis emptied in the middle (a restart without persistence), the recorded spend is neither
// reset nor inflated, and every replica reports the ledger's figure.

const reachable = (await requirePostgres()) && (await requireRedis());
const ADMIN_KEY = 'admin-key-for-scenario-28-replicas';
const PREFIX = uniquePrefix('scenario-28');
const PROMPT = 'echo: one two three four five six seven eight nine ten';

describe.runIf(reachable)('scenario 28 across three replicas (PostgreSQL + Redis)', () => {
  const schema = uniqueSchema('s28');
  const stacks: Stack[] = [];

  const config = (simUrl: string) => `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
store: { postgres: "${POSTGRES_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}" }
state: { redis: ${REDIS_TEST_URL}, keyPrefix: "${PREFIX}" }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  m: { deployments: [ { provider: a, model: up-m, price: { input: 1000, output: 2000 } } ] }
health: { probes: { enabled: false } }
`;

  beforeAll(async () => {
    await onTestDatabase((client) => client.query(`CREATE SCHEMA ${schema}`));
    for (let index = 0; index < 3; index += 1) {
      const stack = await startStack({ config, store: 'config' });
      stacks.push(stack);
      const shared = stack.detour.access.shared;
      if (shared !== undefined && !shared.up) await once(shared.client, 'ready');
    }
  });

  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await deletePrefix(PREFIX);
    await dropSchema(schema);
  });

  async function chat(stack: Stack, secret: string) {
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, cost: Number(response.headers.get('x-detour-cost-usd') ?? 0), body };
  }

  /** Fifty requests at once, spread over the replicas; every one held upstream so all are in flight together. */
  async function burst(secret: string, count: number) {
    for (const stack of stacks) stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 300 } });
    const answers = await Promise.all(
      Array.from({ length: count }, (_, index) => chat(stacks[index % stacks.length] as Stack, secret)),
    );
    for (const stack of stacks) stack.sim.clearFaults();
    return answers;
  }

  async function ledger(keyId: string): Promise<number> {
    for (const stack of stacks) await stack.detour.access.budgets.flush();
    return (stacks[0] as Stack).detour.access.store.sumSpend(keyId, 0);
  }

  it('never records more than $1.00, refuses the rest with insufficient_quota, and survives an emptied Redis', async () => {
    const first = stacks[0] as Stack;
    const { key, secret } = await createKey(first.detour, ADMIN_KEY, {
      name: 'replicated',
      budget: { usd: 1, period: 'total' },
    });
    const answers = await burst(secret, 30);
    const admitted = answers.filter((answer) => answer.status === 200);
    // Every replica answered some: the budget really was shared.
    expect(admitted.length).toBeGreaterThan(3);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe('insufficient_quota');
    }
    let spentBefore = admitted.reduce((sum, answer) => sum + answer.cost, 0);
    expect(await ledger(key.id)).toBeCloseTo(spentBefore, 9);
    // Then one at a time, round the replicas, until the budget is spent: what is left is less than a
    // request's worst case, so a Redis that forgot the spend would let more through.
    for (let index = 0; index < 60; index += 1) {
      const answer = await chat(stacks[index % stacks.length] as Stack, secret);
      if (answer.status !== 200) break;
      spentBefore += answer.cost;
    }
    expect(spentBefore).toBeGreaterThan(0.9);
    expect(spentBefore).toBeLessThanOrEqual(1);
    expect(await ledger(key.id)).toBeCloseTo(spentBefore, 9);

    // Redis restarts empty: every shared counter of this run is gone.
    await deletePrefix(PREFIX);
    const more = await burst(secret, 20);
    expect(more.every((answer) => answer.status === 429)).toBe(true);
    const spentAfter = spentBefore + more.filter((a) => a.status === 200).reduce((sum, a) => sum + a.cost, 0);
    const recorded = await ledger(key.id);
    expect(recorded).toBeCloseTo(spentAfter, 9);
    // Neither reset (which would admit a fresh $1.00) nor inflated.
    expect(recorded).toBeLessThanOrEqual(1);
    for (const stack of stacks) {
      const shown = await admin(stack.detour, ADMIN_KEY, 'GET', `/admin/keys/${key.id}`);
      expect((shown.body.key as { spend: { spentUsd: number } }).spend.spentUsd).toBeCloseTo(recorded, 9);
    }
  });
});
