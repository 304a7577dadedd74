import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.js';
import {
  type Budget,
  BudgetGuard,
  type BudgetGuardOptions,
  type BudgetRefusal,
  type BudgetSnapshot,
  type Budgets,
  type Reservation,
} from './budget-guard.js';
import { budgetPeriodAt } from './budget-period.js';
import { type LuaScript, luaScript, type RedisState } from './redis-state.js';

/** As BudgetGuard's: a billionth of a dollar of floating-point drift is none. */
const USD_TOLERANCE = 1e-9;
/** A period's spend counter outlives its last use by this long, then is reseeded from the ledger. */
const SPEND_TTL_MS = 7 * 86_400_000;
/** Holds outlive their latest expiry by this long before Redis drops the whole hash. */
const HOLD_SLACK_MS = 60_000;
/**
 * The field of the holds hash that keeps the sum of its holds (hold ids are `instance:sequence`,
 * never this), so that a reservation reads one field instead of every hold.
 */
const HELD_SUM_FIELD = '#sum';

/**
 * Takes one hold away, as a Lua function: from the holds hash, its sum and the expiry index. The
 * last hold takes the hash with it, so the sum starts again from exactly zero instead of carrying
 * the rounding of every addition and subtraction before.
 */
const RELEASE_HOLD = `
local function releaseHold(holdsKey, expiryKey, id)
  redis.call('ZREM', expiryKey, id)
  local hold = redis.call('HGET', holdsKey, id)
  if not hold then return end
  if redis.call('HLEN', holdsKey) <= 2 then
    redis.call('DEL', holdsKey)
  else
    redis.call('HDEL', holdsKey, id)
    redis.call('HINCRBYFLOAT', holdsKey, '${HELD_SUM_FIELD}', '-' .. string.match(hold, '^(%S+)'))
  end
end
`;

/**
 * The check and the hold in one step, as a Lua function (shared with the combined admission
 * script, redis-admission.ts). spendKey: spend hash (usd, version); holdsKey: holds hash (id →
 * "usd expiresAt", and the sum of them all in HELD_SUM_FIELD); expiryKey: sorted set of hold ids by
 * expiry. Expired holds are dropped on the way, found through the sorted set: the work does not
 * grow with the number of requests in flight, as reading every hold did (BENCHMARKS.md,
 * "Replicas"). A missing spend hash (a restarted or flushed Redis) is never taken as zero: 'reseed'
 * comes back, with nothing written, and the caller reseeds it from the ledger and calls again.
 * Returns the verdict, the spend and what is held.
 */
export const BUDGET_RESERVE = `${RELEASE_HOLD}
local function reserveBudget(spendKey, holdsKey, expiryKey, usdText, now, expiresText, id, limit, tolerance,
  spendTtl)
  local spent = redis.call('HGET', spendKey, 'usd')
  if not spent then return 'reseed', 0, 0 end
  spent = tonumber(spent)
  local expired = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', now)
  for i = 1, #expired do releaseHold(holdsKey, expiryKey, expired[i]) end
  local reserved = tonumber(redis.call('HGET', holdsKey, '${HELD_SUM_FIELD}') or '0')
  local usd = tonumber(usdText)
  local committed = spent + reserved
  if committed > limit - tolerance or committed + usd > limit + tolerance then
    return 'refused', spent, reserved
  end
  redis.call('HSET', holdsKey, id, usdText .. ' ' .. expiresText)
  redis.call('HINCRBYFLOAT', holdsKey, '${HELD_SUM_FIELD}', usdText)
  redis.call('ZADD', expiryKey, expiresText, id)
  local ttl = tonumber(expiresText) - now + ${HOLD_SLACK_MS}
  if redis.call('PTTL', holdsKey) < ttl then
    redis.call('PEXPIRE', holdsKey, math.ceil(ttl))
    redis.call('PEXPIRE', expiryKey, math.ceil(ttl))
  end
  redis.call('PEXPIRE', spendKey, spendTtl)
  return 'ok', spent, reserved + usd
end
`;

/** KEYS: spend hash, holds hash, expiry index. ARGV: usd, now, expiresAt, id, limit, tolerance, spend ttl. */
const RESERVE = luaScript(`${BUDGET_RESERVE}
local verdict, spent, reserved = reserveBudget(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]), ARGV[3],
  ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
if verdict == 'reseed' then return { 'reseed' } end
local f = '%.17g'
return { verdict, string.format(f, spent), string.format(f, reserved) }
`);

/**
 * Sets a missing spend counter to the ledger's sum, with the version of that reading. NX
 * semantics: a counter that exists (another replica reseeded it first, or settles since) is left
 * alone, so two reseeds cannot double it and none can reset it. ARGV: usd, version, ttl.
 */
const RESEED = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'usd', ARGV[1], 'version', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/**
 * Replaces a hold by its cost, as a Lua function (shared with the combined settle script). A
 * counter that is gone is not created here: INCRBYFLOAT on nothing would start it at this one
 * cost, reset the spend; the next reserve reseeds it from the ledger, which has the cost. Returns
 * the new spend, or false.
 */
export const BUDGET_SETTLE = `${RELEASE_HOLD}
local function settleBudget(spendKey, holdsKey, expiryKey, id, usdText)
  releaseHold(holdsKey, expiryKey, id)
  if tonumber(usdText) > 0 and redis.call('EXISTS', spendKey) == 1 then
    return redis.call('HINCRBYFLOAT', spendKey, 'usd', usdText)
  end
  return false
end
`;

/** KEYS: spend hash, holds hash, expiry index. ARGV: id, usd. */
const SETTLE = luaScript(`${BUDGET_SETTLE}
return settleBudget(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2])
`);

/** A script that does something else in the same call, its keys and arguments first. */
export interface AlongScript {
  script: LuaScript;
  keys: string[];
  args: Array<string | number>;
}

/** The keys of a key's budget in one period. */
interface PeriodKeys {
  spend: string;
  holds: string;
  expiry: string;
  budget: Budget;
}

/** Options of {@link RedisBudgetGuard}: BudgetGuard's, and the shared state. */
export interface RedisBudgetGuardOptions extends BudgetGuardOptions {
  state: RedisState;
}

/**
 * Budgets shared by replicas (DESIGN.md sections 8 and 9): a reservation is one script call that
 * checks spend + holds + this request against the budget and adds the hold, atomically for the
 * whole fleet. Settled costs go to the ledger through a {@link BudgetGuard} as in one process, and
 * onto the period's spend counter in Redis. That counter is a cache of the ledger: when it is
 * missing it is set from the ledger (never incremented from zero). When Redis cannot be reached,
 * the BudgetGuard reserves locally against the last spend this replica knew.
 */
export class RedisBudgetGuard implements Budgets {
  private readonly local: BudgetGuard;
  /** Reservations held in Redis, with where; the others are the local guard's. */
  private readonly shared = new WeakMap<Reservation, PeriodKeys>();
  private sequence = 0;
  private readonly instance = randomBytes(6).toString('hex');
  private readonly store: Store;

  constructor(private readonly options: RedisBudgetGuardOptions) {
    this.local = new BudgetGuard(options);
    this.store = options.store;
  }

  async reserve(
    keyId: string,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
  ): Promise<Reservation | BudgetRefusal> {
    if (!this.options.state.up) return this.local.reserve(keyId, budget, usd, now, expiresAt);
    try {
      const { held } = await this.reserveBy(keyId, budget, usd, now, expiresAt, {
        script: RESERVE,
        keys: [],
        args: [],
      });
      if (held === undefined) throw new Error('budget script: unexpected reply');
      return held;
    } catch (error) {
      this.options.onError?.(error);
      return this.local.reserve(keyId, budget, usd, now, expiresAt);
    }
  }

  /**
   * A reservation made by `along.script`, which takes `along`'s keys and arguments first, then
   * RESERVE's, and replies [verdict, spent, reserved, its own reply]: the rate limit's admission
   * in the same round trip (redis-admission.ts). Verdict 'rate': refused before the budget was
   * looked at; `held` is undefined. Throws when Redis fails (the caller falls back), and when
   * Redis is not up.
   */
  async reserveAlong(
    keyId: string,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
    along: AlongScript,
  ): Promise<{ held: Reservation | BudgetRefusal | undefined; along: unknown }> {
    if (!this.options.state.up) throw new Error('shared state is down');
    return this.reserveBy(keyId, budget, usd, now, expiresAt, along);
  }

  private async reserveBy(
    keyId: string,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
    along: AlongScript,
  ): Promise<{ held: Reservation | BudgetRefusal | undefined; along: unknown }> {
    const { state } = this.options;
    const keys = this.keysOf(keyId, budget, now);
    this.sequence += 1;
    const id = `${this.instance}:${this.sequence}`;
    // A second round only after a reseed; a counter gone again at once means something is wrong.
    for (let round = 0; round < 2; round += 1) {
      let reply: unknown;
      try {
        reply = await state.batched(
          along.script,
          [...along.keys, keys.spend, keys.holds, keys.expiry],
          [...along.args, usd, now, expiresAt, id, budget.usd, USD_TOLERANCE, SPEND_TTL_MS],
        );
      } catch (error) {
        // A reply lost after the script ran (a command timeout) leaves its hold, which would keep
        // that much budget from the caller's fallback until it expired. Released behind it on the
        // same connection; a hold that was never made is nothing to release.
        state.batched(SETTLE, [keys.spend, keys.holds, keys.expiry], [id, 0]).catch(() => undefined);
        throw error;
      }
      if (!Array.isArray(reply)) throw new Error('budget script: unexpected reply');
      const [verdict, spent, reserved, extra] = reply as [string, string?, string?, unknown?];
      if (verdict === 'reseed') {
        await this.reseed(keyId, budget, keys.spend, now);
        continue;
      }
      if (verdict === 'rate') return { held: undefined, along: extra };
      const spentUsd = Number(spent);
      this.local.noteSpend(keyId, budget, spentUsd, now);
      if (verdict === 'refused') {
        const snapshot = this.snapshotOf(budget, now, spentUsd, Number(reserved));
        return { held: { refused: true, snapshot }, along: extra };
      }
      const reservation: Reservation = { id, keyId, usd };
      this.shared.set(reservation, keys);
      return { held: reservation, along: extra };
    }
    throw new Error('budget spend counter vanished right after it was reseeded');
  }

  settle(reservation: Reservation, usd: number, now: number): void {
    this.settleAlong(reservation, usd, now, { script: SETTLE, keys: [], args: [] });
  }

  /**
   * settle, by `along.script`, which takes `along`'s keys and arguments first, then SETTLE's, and
   * replies the new spend (or false): the token correction in the same round trip. False when the
   * reservation is not held in Redis or Redis is not up: nothing was done, the caller settles.
   */
  settleAlong(reservation: Reservation, usd: number, now: number, along: AlongScript): boolean {
    const keys = this.shared.get(reservation);
    const { state } = this.options;
    if (along.script !== SETTLE && (keys === undefined || !state.up)) return false;
    // The ledger write (and the local view's spend) as in one process, whoever holds the reservation.
    this.local.settle(reservation, usd, now);
    if (keys === undefined) return true;
    this.shared.delete(reservation);
    // Unreachable: the hold expires in Redis by itself and the cost is in the ledger.
    if (!state.up) return true;
    state
      .batched(
        along.script,
        [...along.keys, keys.spend, keys.holds, keys.expiry],
        [...along.args, reservation.id, usd],
      )
      .then(
        (spent) => {
          if (typeof spent === 'string')
            this.local.noteSpend(reservation.keyId, keys.budget, Number(spent), now);
        },
        (error: unknown) => this.options.onError?.(error),
      );
    return true;
  }

  async snapshot(keyId: string, budget: Budget, now: number): Promise<BudgetSnapshot> {
    const { state } = this.options;
    if (!state.up) return this.local.snapshot(keyId, budget, now);
    try {
      const keys = this.keysOf(keyId, budget, now);
      // This replica's settlements still on their way are part of what it reports.
      await state.settled();
      let spent = await state.client.hget(keys.spend, 'usd');
      if (spent === null) {
        await this.reseed(keyId, budget, keys.spend, now);
        spent = (await state.client.hget(keys.spend, 'usd')) ?? '0';
      }
      let reserved = 0;
      for (const [id, hold] of Object.entries(await state.client.hgetall(keys.holds))) {
        if (id === HELD_SUM_FIELD) continue;
        const [usd, expiresAt] = hold.split(' ').map(Number);
        if (usd !== undefined && expiresAt !== undefined && expiresAt > now) reserved += usd;
      }
      return this.snapshotOf(budget, now, Number(spent), reserved);
    } catch (error) {
      this.options.onError?.(error);
      return this.local.snapshot(keyId, budget, now);
    }
  }

  /** Writes out what waits: settlements on their way to Redis, then the ledger's entries. */
  async flush(): Promise<void> {
    await this.options.state.settled();
    await this.local.flush();
  }

  close(): Promise<void> {
    return this.local.close();
  }

  /**
   * Sets the period's counter from the ledger. This replica's settled spend still waiting is
   * written first, so the ledger read includes it.
   */
  private async reseed(keyId: string, budget: Budget, spendKey: string, now: number): Promise<void> {
    // Settlements already in the ledger but still on their way to Redis land before RESEED (they
    // find no counter and add nothing); after it, they would add their cost a second time.
    await this.options.state.settled();
    await this.local.flush();
    const period = budgetPeriodAt(budget.period, now);
    const spent = await this.store.sumSpend(keyId, period.start);
    await this.options.state.run(RESEED, [spendKey], [spent, `${now}:${this.instance}`, SPEND_TTL_MS]);
  }

  private keysOf(keyId: string, budget: Budget, now: number): PeriodKeys {
    const period = budgetPeriodAt(budget.period, now);
    const base = `${this.options.state.prefix}budget:${keyId}:${budget.period}:${period.start}`;
    return { spend: `${base}:spend`, holds: `${base}:holds`, expiry: `${base}:expiry`, budget };
  }

  private snapshotOf(budget: Budget, now: number, spentUsd: number, reservedUsd: number): BudgetSnapshot {
    const period = budgetPeriodAt(budget.period, now);
    const snapshot: BudgetSnapshot = {
      limitUsd: budget.usd,
      period: budget.period,
      periodStart: period.start,
      spentUsd: Number(spentUsd.toFixed(12)),
      reservedUsd: Number(reservedUsd.toFixed(12)),
    };
    if (period.end !== undefined) snapshot.periodEnd = period.end;
    return snapshot;
  }
}
