import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from '../../test/support/redis.js';
import { type ChatRequest, ManualClock } from '../core/index.js';
import { createProvider } from '../providers/index.js';
import { type ModelRoute, ModelTable } from '../routing/index.js';
import { type ClientKeyRecord, type KeyScopes, SqliteStore } from '../store/index.js';
import { AccessControl, AccessRefused } from './access-control.js';
import { KeyDirectory } from './key-directory.js';
import { RedisJointAccess } from './redis-admission.js';
import { RedisBudgetGuard } from './redis-budget-guard.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisState } from './redis-state.js';

// Runs against a real Redis (see redis-rate-limiter.test.ts), under a key prefix of its own.
const reachable = await requireRedis();

/** Tuesday 2026-03-10, noon UTC. */
const NOON = Date.parse('2026-03-10T12:00:00.000Z');

const provider = createProvider('host', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });
/** $1000 per million output tokens: a request's worst case is max_tokens / 1000 dollars. */
const ROUTE: ModelRoute = {
  name: 'gpt-x',
  deployments: [
    {
      modelName: 'gpt-x',
      provider,
      deploymentId: 'host/gpt-x',
      upstreamModel: 'gpt-x',
      timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
      price: { input: 0, output: 1_000 },
    },
  ],
  fallbacks: [],
  totalTimeoutMs: 30_000,
  strategy: 'priority',
};
const table = new ModelTable([ROUTE]);

function chat(maxTokens: number): ChatRequest {
  return {
    model: 'gpt-x',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
    stream: false,
    metadata: {},
    vendorOptions: {},
    maxTokens,
  };
}

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/**
 * A replica's access control on Redis as build-access wires it, and the names of the commands its
 * connection sends (the heartbeat's left out), counted by wrapping the client's sendCommand.
 */
async function replica(scopes: Partial<KeyScopes>) {
  const prefix = uniquePrefix('joint');
  closing.push(async () => {
    await deletePrefix(prefix);
  });
  const store = new SqliteStore({ path: ':memory:' });
  const state = new RedisState({ url: REDIS_TEST_URL, keyPrefix: prefix, clock: new ManualClock(NOON) });
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  const budgets = new RedisBudgetGuard({ store, state, onError });
  const limiter = new RedisRateLimiter({ state, onError });
  const joint = new RedisJointAccess({ state, budgets, onError });
  const access = new AccessControl({
    mode: 'keys',
    keys: new KeyDirectory({ store }),
    limiter,
    budgets,
    joint,
  });
  closing.push(async () => {
    await budgets.close();
    await state.close();
    await store.close();
  });
  if (!state.up) await once(state.client, 'ready');
  const sent: string[] = [];
  const client = state.client;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command, stream) => {
    const touchesReplicas = command.args.some((arg) => String(arg) === `${prefix}replicas`);
    if (!touchesReplicas) sent.push(command.name);
    return send(command, stream);
  }) as typeof client.sendCommand;
  const key: ClientKeyRecord = {
    id: 'key_a',
    name: 'team-search',
    prefix: 'dtr_00000000',
    hash: '0'.repeat(64),
    createdAt: NOON - 1_000,
    scopes: { models: [], ...scopes },
    metadata: {},
  };
  const admit = (maxTokens: number, now = NOON) =>
    access.admit({ key, table, route: ROUTE, request: chat(maxTokens), now });
  /** Every command sent so far (once the calls made so far are answered): the count starts again. */
  const take = async (): Promise<string[]> => {
    await state.settled();
    return sent.splice(0);
  };
  return { state, budgets, limiter, admit, take, errors };
}

describe.runIf(reachable)('RedisJointAccess', () => {
  it('admits a key with limits and a budget in one Redis command, and settles in one', async () => {
    const { admit, take, budgets, limiter, errors } = await replica({
      rpm: 100,
      tpm: 100_000,
      budget: { usd: 1, period: 'day' },
    });
    // The first request reseeds the day's spend from the ledger: the script, RESEED, the script.
    const first = await admit(50);
    expect(await take()).toEqual(['evalsha', 'evalsha', 'evalsha']);
    first.settle({ tokens: 10, costUsd: 0.01 }, NOON);
    expect(await take()).toEqual(['evalsha']);

    const second = await admit(100);
    expect(await take()).toEqual(['evalsha']);
    expect(second.headers['x-ratelimit-limit-requests']).toBe('100');
    expect(second.headers['x-ratelimit-remaining-requests']).toBe('98');
    second.settle({ tokens: 20, costUsd: 0.02 }, NOON);
    expect(await take()).toEqual(['evalsha']);

    // Both settles reached Redis: the spend is the costs, nothing is held, the tokens corrected.
    const snapshot = await budgets.snapshot('key_a', { usd: 1, period: 'day' }, NOON);
    expect(snapshot.spentUsd).toBeCloseTo(0.03, 12);
    expect(snapshot.reservedUsd).toBe(0);
    const left = await limiter.admit('key_a', { tpm: 100_000 }, 0, NOON);
    expect(left.tokens?.remaining).toBe(100_000 - 30);
    expect(errors).toEqual([]);
  });

  it('sends nothing to Redis for a key with neither limits nor a budget', async () => {
    const { admit, take } = await replica({});
    const admission = await admit(100);
    admission.settle({ tokens: 10, costUsd: 0.01 }, NOON);
    expect(await take()).toEqual([]);
  });

  it('refuses by budget in one command, counting the request but giving its tokens back', async () => {
    const { admit, take, limiter, budgets } = await replica({
      rpm: 100,
      tpm: 100_000,
      budget: { usd: 0.05, period: 'day' },
    });
    (await admit(10)).settle({ tokens: 10, costUsd: 0 }, NOON);
    await take();
    // $0.10 worst case against $0.05.
    const refused = await admit(100).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(await take()).toEqual(['evalsha']);
    expect(refused).toBeInstanceOf(AccessRefused);
    expect((refused as AccessRefused).code).toBe('budget_exceeded');
    const left = await limiter.admit('key_a', { rpm: 100, tpm: 100_000 }, 0, NOON);
    // Two requests counted before this one; only the first's 10 tokens spent.
    expect(left.requests?.remaining).toBe(97);
    expect(left.tokens?.remaining).toBe(100_000 - 10);
    const snapshot = await budgets.snapshot('key_a', { usd: 0.05, period: 'day' }, NOON);
    expect(snapshot.reservedUsd).toBe(0);
  });

  it('refuses by rate limit in one command without touching the budget', async () => {
    const { admit, take, budgets } = await replica({ rpm: 1, budget: { usd: 1, period: 'day' } });
    await admit(10);
    await take();
    const refused = await admit(10).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(await take()).toEqual(['evalsha']);
    expect((refused as AccessRefused).code).toBe('rate_limit_exceeded');
    // Only the first request's $0.01 is held.
    const snapshot = await budgets.snapshot('key_a', { usd: 1, period: 'day' }, NOON);
    expect(snapshot.reservedUsd).toBeCloseTo(0.01, 12);
  });
});
