import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from '../../test/support/redis.js';
import { ManualClock } from '../core/index.js';
import { SqliteStore } from '../store/index.js';
import { type Budget, isBudgetRefusal, type Reservation } from './budget-guard.js';
import { BUDGET_RESERVE, RedisBudgetGuard } from './redis-budget-guard.js';
import { luaScript, RedisState } from './redis-state.js';

// Runs against a real Redis (see redis-rate-limiter.test.ts); every test under its own key prefix.
const reachable = await requireRedis();

/** Tuesday 2026-03-10, noon UTC. */
const NOON = Date.parse('2026-03-10T12:00:00.000Z');
const DAY_START = Date.parse('2026-03-10T00:00:00.000Z');
const DAILY: Budget = { usd: 1, period: 'day' };

const closing: Array<() => Promise<void>> = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

function ledger(): SqliteStore {
  const store = new SqliteStore({ path: ':memory:' });
  closing.push(() => store.close());
  return store;
}

/** A replica's guard over the shared `store` and the Redis at `url` under `prefix`. */
async function guardOn(store: SqliteStore, prefix: string, url = REDIS_TEST_URL) {
  const state = new RedisState({ url, keyPrefix: prefix, clock: new ManualClock(NOON) });
  const errors: unknown[] = [];
  const guard = new RedisBudgetGuard({ store, state, onError: (error) => errors.push(error) });
  closing.push(async () => {
    await guard.close();
    await state.close();
  });
  if (url === REDIS_TEST_URL && !state.up) await once(state.client, 'ready');
  return { guard, state, errors };
}

function newPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
}

async function reserved(guard: RedisBudgetGuard, usd: number, now = NOON): Promise<Reservation> {
  const held = await guard.reserve('key_a', DAILY, usd, now, now + 60_000);
  if (isBudgetRefusal(held)) throw new Error(`refused ${usd}`);
  return held;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.runIf(reachable)('RedisBudgetGuard', () => {
  it('admits exactly 20 of 50 concurrent $0.05 reservations across two replicas against $1.00', async () => {
    const store = ledger();
    const prefix = newPrefix('concurrent');
    const [first, second] = [await guardOn(store, prefix), await guardOn(store, prefix)];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? first : second).guard.reserve('key_a', DAILY, 0.05, NOON, NOON + 60_000),
      ),
    );
    const admitted = answers.filter((answer) => !isBudgetRefusal(answer));
    expect(admitted).toHaveLength(20);
    // The limit is shared, not split (split, each replica would admit 20 of its own 25): and both
    // replicas now see it spent. (Which replica's reservations won the race depends on timing.)
    expect(isBudgetRefusal(await first.guard.reserve('key_a', DAILY, 0.05, NOON, NOON + 60_000))).toBe(true);
    expect(isBudgetRefusal(await second.guard.reserve('key_a', DAILY, 0.05, NOON, NOON + 60_000))).toBe(true);
    const snapshot = await first.guard.snapshot('key_a', DAILY, NOON);
    expect(snapshot).toMatchObject({ spentUsd: 0, reservedUsd: 1, periodStart: DAY_START });
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it('replaces a reservation with its cost, on the shared counter and in the ledger', async () => {
    const store = ledger();
    const prefix = newPrefix('settle');
    const { guard } = await guardOn(store, prefix);
    const other = await guardOn(store, prefix);
    const hold = await reserved(guard, 0.5);
    guard.settle(hold, 0.2, NOON + 1_000);
    guard.settle(hold, 0.2, NOON + 1_000);
    await guard.flush();
    expect(await store.sumSpend('key_a', DAY_START)).toBeCloseTo(0.2, 12);
    // The other replica sees the settled cost and no hold: 0.8 is left, not 0.3 or 0.6.
    expect(await other.guard.snapshot('key_a', DAILY, NOON + 2_000)).toMatchObject({
      spentUsd: 0.2,
      reservedUsd: 0,
    });
    await reserved(other.guard, 0.8, NOON + 2_000);
    const refused = await other.guard.reserve('key_a', DAILY, 0.01, NOON + 2_000, NOON + 60_000);
    expect(isBudgetRefusal(refused)).toBe(true);
  });

  it('keeps the sum of its holds as they come and go, and leaves no keys once the last is settled', async () => {
    const { guard, state } = await guardOn(ledger(), newPrefix('held-sum'));
    const holds = [];
    for (let index = 0; index < 10; index += 1) holds.push(await reserved(guard, 0.03 + index / 1000));
    const base = `${state.prefix}budget:key_a:day:${DAY_START}`;
    expect(await state.client.hget(`${base}:holds`, '#sum')).not.toBeNull();
    expect(Number(await state.client.hget(`${base}:holds`, '#sum'))).toBeCloseTo(0.345, 12);
    expect(await state.client.zcard(`${base}:expiry`)).toBe(10);
    // Every other one settled: what is left is counted, what went is not.
    for (const hold of holds.filter((_, index) => index % 2 === 0)) guard.settle(hold, 0.01, NOON + 1);
    await guard.flush();
    expect(await guard.snapshot('key_a', DAILY, NOON + 2)).toMatchObject({ spentUsd: 0.05 });
    expect((await guard.snapshot('key_a', DAILY, NOON + 2)).reservedUsd).toBeCloseTo(0.175, 12);
    // $1 - $0.05 spent - $0.175 held = $0.775 left: a reservation of exactly that fits, a cent more does not.
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.785, NOON + 3, NOON + 60_000))).toBe(true);
    const last = await reserved(guard, 0.775, NOON + 3);
    for (const hold of [...holds.filter((_, index) => index % 2 === 1), last])
      guard.settle(hold, 0, NOON + 4);
    await guard.flush();
    // The last hold takes the hash and the index with it: the next sum starts from exactly zero.
    expect(await state.client.exists(`${base}:holds`, `${base}:expiry`)).toBe(0);
    expect(await guard.snapshot('key_a', DAILY, NOON + 5)).toMatchObject({ spentUsd: 0.05, reservedUsd: 0 });
  });

  it('drops a reservation that was never settled once it expires', async () => {
    const { guard } = await guardOn(ledger(), newPrefix('expiry'));
    await guard.reserve('key_a', DAILY, 1, NOON, NOON + 1_000);
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.5, NOON + 999, NOON + 60_000))).toBe(true);
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.5, NOON + 1_000, NOON + 60_000))).toBe(
      false,
    );
    // The expired hold's dollar left the sum: 0.5 more fits, a cent beyond does not.
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.51, NOON + 1_000, NOON + 60_000))).toBe(
      true,
    );
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.5, NOON + 1_000, NOON + 60_000))).toBe(
      false,
    );
  });

  it('reports spend reseeded from the ledger when Redis lost it, and only the holds not yet expired', async () => {
    const store = ledger();
    const prefix = newPrefix('snapshot');
    const { guard } = await guardOn(store, prefix);
    await store.recordSpend([{ id: 'old', keyId: 'key_a', at: NOON - 60_000, usd: 0.25 }]);
    // Nothing in Redis yet: the first read takes the ledger's spend.
    expect(await guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0.25, reservedUsd: 0 });
    await guard.reserve('key_a', DAILY, 0.1, NOON, NOON + 1_000);
    expect((await guard.snapshot('key_a', DAILY, NOON + 999)).reservedUsd).toBeCloseTo(0.1, 12);
    expect(await guard.snapshot('key_a', DAILY, NOON + 1_000)).toMatchObject({
      spentUsd: 0.25,
      reservedUsd: 0,
    });
    expect(await deletePrefix(prefix)).toBeGreaterThan(0);
    expect(await guard.snapshot('key_a', DAILY, NOON + 1_000)).toMatchObject({
      spentUsd: 0.25,
      reservedUsd: 0,
    });
  });

  it('reseeds spend from the ledger after Redis lost its keys: neither reset nor doubled', async () => {
    const store = ledger();
    const prefix = newPrefix('flush');
    const [first, second] = [await guardOn(store, prefix), await guardOn(store, prefix)];
    // Spend from before this Redis knew the key, in the ledger only.
    await store.recordSpend([{ id: 'old', keyId: 'key_a', at: NOON - 60_000, usd: 0.25 }]);
    first.guard.settle(await reserved(first.guard, 0.3), 0.3, NOON);
    second.guard.settle(await reserved(second.guard, 0.3), 0.15, NOON);
    await first.guard.flush();
    await second.guard.flush();
    expect(await first.guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0.7, reservedUsd: 0 });

    // A request in flight when Redis loses everything.
    const late = await reserved(second.guard, 0.1, NOON);
    expect(await deletePrefix(prefix)).toBeGreaterThan(0);
    // Settled onto a counter that is gone: the cost goes to the ledger, not onto a counter from 0.
    second.guard.settle(late, 0.05, NOON + 500);
    await second.guard.flush();
    // Both replicas find the counter gone at once and reseed it; only one reseed counts.
    const [a, b] = await Promise.all([
      first.guard.reserve('key_a', DAILY, 0.1, NOON + 1_000, NOON + 60_000),
      second.guard.reserve('key_a', DAILY, 0.1, NOON + 1_000, NOON + 60_000),
    ]);
    expect(isBudgetRefusal(a) || isBudgetRefusal(b)).toBe(false);
    expect(await first.guard.snapshot('key_a', DAILY, NOON + 1_000)).toMatchObject({
      spentUsd: 0.75,
      reservedUsd: 0.2,
    });
    // 0.75 spent + 0.2 held: a third 0.05 fits, a fourth 0.01 does not.
    await reserved(first.guard, 0.05, NOON + 1_000);
    expect(
      isBudgetRefusal(await second.guard.reserve('key_a', DAILY, 0.01, NOON + 1_000, NOON + 60_000)),
    ).toBe(true);
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it('reserves locally when Redis cannot be reached, never throws, and still writes the ledger', async () => {
    const store = ledger();
    await store.recordSpend([{ id: 'old', keyId: 'key_a', at: NOON - 60_000, usd: 0.6 }]);
    const { guard, state } = await guardOn(
      store,
      newPrefix('down'),
      `redis://127.0.0.1:${await closedPort()}`,
    );
    expect(state.up).toBe(false);
    const hold = await reserved(guard, 0.3);
    // Against the last known spend (the ledger's 0.6) and the local hold: 0.1 is left.
    expect(isBudgetRefusal(await guard.reserve('key_a', DAILY, 0.2, NOON, NOON + 60_000))).toBe(true);
    expect(() => guard.settle(hold, 0.1, NOON)).not.toThrow();
    await guard.flush();
    expect(await store.sumSpend('key_a', DAY_START)).toBeCloseTo(0.7, 12);
    expect(await guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0.7, reservedUsd: 0 });
  });
  it('releases the hold of a reservation whose reply was lost to a command timeout', async () => {
    const store = ledger();
    const prefix = newPrefix('lost-reply');
    const state = new RedisState({
      url: REDIS_TEST_URL,
      keyPrefix: prefix,
      clock: new ManualClock(NOON),
      commandTimeoutMs: 5,
    });
    const guard = new RedisBudgetGuard({ store, state });
    closing.push(async () => {
      await guard.close();
      await state.close();
    });
    if (!state.up) await once(state.client, 'ready');
    // Reserve as usual, but busy Redis for 50 ms first, so that the 5 ms command timeout fires
    // before the reply, after the hold was made.
    const slowReserve = luaScript(`${BUDGET_RESERVE}
local start = redis.call('TIME')
repeat local now = redis.call('TIME') until (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 50000
local verdict, spent, reserved = reserveBudget(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]), ARGV[3],
  ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
if verdict == 'reseed' then return { 'reseed' } end
return { verdict, tostring(spent), tostring(reserved) }
`);
    // The first call seeds the day's spend (a reseed round), so the second meets the timeout.
    const seeded = await guardOn(store, prefix);
    await reserved(seeded.guard, 0, NOON);
    const lost = await guard
      .reserveAlong('key_a', DAILY, 0.4, NOON, NOON + 60_000, { script: slowReserve, keys: [], args: [] })
      .then(
        () => 'answered',
        (error: unknown) => String(error),
      );
    expect(lost).toMatch(/timed out/i);
    await state.settled();
    // The script ran and made its hold; the release behind it took it away again.
    expect(await seeded.guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ reservedUsd: 0 });
  });
});
