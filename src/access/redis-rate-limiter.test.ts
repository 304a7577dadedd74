import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from '../../test/support/redis.js';
import { ManualClock } from '../core/index.js';
import { MemoryRateLimiter, type RateDecision, type RateLimits } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisState } from './redis-state.js';

// Runs against a real Redis (127.0.0.1:6379 unless DETOUR_TEST_REDIS_URL says otherwise), each
// test under a key prefix of its own, deleted afterwards. Without Redis the tests skip with a
// message, except in CI, where they fail.
const reachable = await requireRedis();

const T0 = 1_700_000_000_000;
const opened: RedisState[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

/** A connected shared state (a replica's) under `prefix`. */
async function replica(
  prefix: string,
  url = REDIS_TEST_URL,
  clock = new ManualClock(T0),
): Promise<RedisState> {
  const state = new RedisState({ url, keyPrefix: prefix, clock });
  opened.push(state);
  if (url === REDIS_TEST_URL && !state.up) await once(state.client, 'ready');
  return state;
}

async function limiterOn(label: string): Promise<RedisRateLimiter> {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return new RedisRateLimiter({ state: await replica(prefix) });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function burst(
  limiter: RedisRateLimiter,
  limits: RateLimits,
  count: number,
  now: number,
): Promise<RateDecision[]> {
  const decisions: RateDecision[] = [];
  for (let index = 0; index < count; index += 1) decisions.push(await limiter.admit('key', limits, 0, now));
  return decisions;
}

describe.runIf(reachable)('RedisRateLimiter', () => {
  it('admits exactly rpm of a burst of twice rpm, counting remaining down to 0', async () => {
    const limiter = await limiterOn('burst');
    const decisions = await burst(limiter, { rpm: 7 }, 14, T0);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
    expect(decisions.slice(0, 7).map((decision) => decision.requests?.remaining)).toEqual([
      6, 5, 4, 3, 2, 1, 0,
    ]);
    expect(decisions.slice(7).every((decision) => !decision.allowed)).toBe(true);
    expect(decisions[7]).toMatchObject({ refusedBy: 'requests', retryAfterMs: 8_572 });
  });

  it('admits one more request every 60 s / rpm after a burst, and not before', async () => {
    const limiter = await limiterOn('recover');
    await burst(limiter, { rpm: 10 }, 10, T0);
    expect((await limiter.admit('key', { rpm: 10 }, 0, T0 + 5_999)).allowed).toBe(false);
    expect((await limiter.admit('key', { rpm: 10 }, 0, T0 + 6_000)).allowed).toBe(true);
    expect((await limiter.admit('key', { rpm: 10 }, 0, T0 + 6_000)).allowed).toBe(false);
    expect((await limiter.admit('key', { rpm: 10 }, 0, T0 + 12_000)).allowed).toBe(true);
    const whole = await burst(limiter, { rpm: 10 }, 11, T0 + 12_000 + 60_000);
    expect(whole.filter((decision) => decision.allowed)).toHaveLength(10);
  });

  it('decides exactly as MemoryRateLimiter over a mixed run of requests, tokens and corrections', async () => {
    const limiter = await limiterOn('same');
    const memory = new MemoryRateLimiter();
    const limits: RateLimits = { rpm: 13, tpm: 7_777 };
    let seed = 11;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let now = T0;
    for (let step = 0; step < 120; step += 1) {
      now += Math.floor(next() * 3_000);
      const tokens = Math.floor(next() * 1_500);
      const shared = await limiter.admit('key', limits, tokens, now);
      expect(shared, `step ${step}`).toEqual(memory.admit('key', limits, tokens, now));
      if (shared.allowed && next() < 0.5) {
        const delta = Math.floor(next() * 1_200) - 600;
        limiter.correctTokens('key', limits, delta, now);
        memory.correctTokens('key', limits, delta, now);
      }
    }
  });

  it('refuses a request larger than a whole minute of tokens without a retry time', async () => {
    const limiter = await limiterOn('huge');
    const decision = await limiter.admit('key', { tpm: 1_000 }, 1_001, T0);
    expect(decision).toMatchObject({ allowed: false, refusedBy: 'tokens' });
    expect(decision.retryAfterMs).toBeUndefined();
    expect(decision.tokens).toEqual({ limit: 1_000, remaining: 1_000, resetMs: 0 });
  });

  it('gives each key an expiry', async () => {
    const limiter = await limiterOn('expiry');
    const prefix = prefixes[0] ?? '';
    await limiter.admit('key', { rpm: 5, tpm: 100 }, 10, T0);
    const ttl = await opened[0]?.client.pttl(`${prefix}rate:key`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('shares one limit between two replicas: a concurrent burst across both admits exactly the limit', async () => {
    const prefix = uniquePrefix('replicas');
    prefixes.push(prefix);
    const first = new RedisRateLimiter({ state: await replica(prefix) });
    const second = new RedisRateLimiter({ state: await replica(prefix) });
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        (index % 2 === 0 ? first : second).admit('key', { rpm: 30 }, 0, T0),
      ),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(30);
  });

  it('falls back to the whole limit locally when Redis cannot be reached, and never throws', async () => {
    const announced: boolean[] = [];
    const state = new RedisState({
      url: `redis://127.0.0.1:${await closedPort()}`,
      keyPrefix: uniquePrefix('down'),
      clock: new ManualClock(T0),
      onChange: (up) => announced.push(up),
    });
    opened.push(state);
    await once(state.client, 'error');
    const limiter = new RedisRateLimiter({ state });
    expect(state.up).toBe(false);
    // Said once, however often the reconnects fail.
    expect(announced).toEqual([false]);
    const decisions = await burst(limiter, { rpm: 4, tpm: 1_000 }, 8, T0);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(4);
    expect(() => limiter.correctTokens('key', { tpm: 1_000 }, 50, T0)).not.toThrow();
  });

  it('takes its share of the limit while Redis is away and uses Redis again once it is back', async () => {
    const prefix = uniquePrefix('share');
    prefixes.push(prefix);
    const [first, second] = [await replica(prefix), await replica(prefix)];
    await first.heartbeat();
    await second.heartbeat();
    await first.heartbeat();
    expect(first.replicas).toBe(2);
    const limiter = new RedisRateLimiter({ state: first });
    const other = new RedisRateLimiter({ state: second });
    // The other replica takes 3 of the shared 10.
    expect((await burst(other, { rpm: 10 }, 3, T0)).every((decision) => decision.allowed)).toBe(true);

    const states: boolean[] = [];
    const ended = once(first.client, 'end');
    first.client.disconnect();
    await ended;
    expect(first.up).toBe(false);
    const alone = await burst(limiter, { rpm: 10 }, 10, T0);
    expect(alone.filter((decision) => decision.allowed)).toHaveLength(5);
    // Tokens too: half of 1,000 here, corrections counted locally.
    const tokens = { tpm: 1_000 };
    expect((await limiter.admit('tokens', tokens, 300, T0)).allowed).toBe(true);
    limiter.correctTokens('tokens', tokens, 150, T0);
    expect((await limiter.admit('tokens', tokens, 100, T0)).allowed).toBe(false);
    expect((await limiter.admit('tokens', tokens, 50, T0)).allowed).toBe(true);

    first.client.on('ready', () => states.push(true));
    await first.client.connect();
    expect(first.up).toBe(true);
    // Back on the shared limit: 7 of 10 are left after the other replica's 3.
    const shared = await burst(limiter, { rpm: 10 }, 10, T0);
    expect(shared.filter((decision) => decision.allowed)).toHaveLength(7);
    expect(states).toEqual([true]);
  });
});
