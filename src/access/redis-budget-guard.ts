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
import { luaScript, type RedisState } from './redis-state.js';

/** As BudgetGuard's: a billionth of a dollar of floating-point drift is none. */
const USD_TOLERANCE = 1e-9;
/** A period's spend counter outlives its last use by this long, then is reseeded from the ledger. */
const SPEND_TTL_MS = 7 * 86_400_000;
/** Holds outlive their latest expiry by this long before Redis drops the whole hash. */
const HOLD_SLACK_MS = 60_000;

/**
 * The check and the hold in one step. KEYS: spend hash (usd, version), holds hash (id → "usd
 * expiresAt"). ARGV: usd, now, expiresAt, id, limit, tolerance, spend ttl. Expired holds are
 * dropped on the way. A missing spend hash (a restarted or flushed Redis) is never taken as zero:
 * the caller reseeds it from the ledger and calls again.
 */
const RESERVE = luaScript(`
local spent = redis.call('HGET', KEYS[1], 'usd')
if not spent then return { 'reseed' } end
spent = tonumber(spent)
local now = tonumber(ARGV[2])
local reserved = 0
local holds = redis.call('HGETALL', KEYS[2])
for i = 1, #holds, 2 do
  local usd, expires = string.match(holds[i + 1], '^(%S+) (%S+)$')
  if tonumber(expires) <= now then
    redis.call('HDEL', KEYS[2], holds[i])
  else
    reserved = reserved + tonumber(usd)
  end
end
local usd = tonumber(ARGV[1])
local limit = tonumber(ARGV[5])
local tolerance = tonumber(ARGV[6])
local committed = spent + reserved
local f = '%.17g'
if committed > limit - tolerance or committed + usd > limit + tolerance then
  return { 'refused', string.format(f, spent), string.format(f, reserved) }
end
redis.call('HSET', KEYS[2], ARGV[4], ARGV[1] .. ' ' .. ARGV[3])
local ttl = tonumber(ARGV[3]) - now + ${HOLD_SLACK_MS}
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], math.ceil(ttl)) end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return { 'ok', string.format(f, spent), string.format(f, reserved + usd) }
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
 * Replaces a hold by its cost. A counter that is gone is not created here: INCRBYFLOAT on nothing
 * would start it at this one cost, reset the spend; the next reserve reseeds it from the ledger,
 * which has the cost. ARGV: id, usd. Returns the new spend, or false.
 */
const SETTLE = luaScript(`
redis.call('HDEL', KEYS[2], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HINCRBYFLOAT', KEYS[1], 'usd', ARGV[2])
end
return false
`);

/** The two keys of a key's budget in one period. */
interface PeriodKeys {
  spend: string;
  holds: string;
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
    const { state } = this.options;
    if (!state.up) return this.local.reserve(keyId, budget, usd, now, expiresAt);
    const keys = this.keysOf(keyId, budget, now);
    this.sequence += 1;
    const id = `${this.instance}:${this.sequence}`;
    try {
      // A second round only after a reseed; a counter gone again at once means something is wrong.
      for (let round = 0; round < 2; round += 1) {
        const reply = await state.run(
          RESERVE,
          [keys.spend, keys.holds],
          [usd, now, expiresAt, id, budget.usd, USD_TOLERANCE, SPEND_TTL_MS],
        );
        if (!Array.isArray(reply)) throw new Error('budget script: unexpected reply');
        const [verdict, spent, reserved] = reply as [string, string?, string?];
        if (verdict === 'reseed') {
          await this.reseed(keyId, budget, keys.spend, now);
          continue;
        }
        const spentUsd = Number(spent);
        this.local.noteSpend(keyId, budget, spentUsd, now);
        if (verdict === 'refused') {
          return { refused: true, snapshot: this.snapshotOf(budget, now, spentUsd, Number(reserved)) };
        }
        const reservation: Reservation = { id, keyId, usd };
        this.shared.set(reservation, keys);
        return reservation;
      }
      throw new Error('budget spend counter vanished right after it was reseeded');
    } catch (error) {
      this.options.onError?.(error);
      return this.local.reserve(keyId, budget, usd, now, expiresAt);
    }
  }

  settle(reservation: Reservation, usd: number, now: number): void {
    // The ledger write (and the local view's spend) as in one process, whoever holds the reservation.
    this.local.settle(reservation, usd, now);
    const keys = this.shared.get(reservation);
    if (keys === undefined) return;
    this.shared.delete(reservation);
    const { state } = this.options;
    // Unreachable: the hold expires in Redis by itself and the cost is in the ledger.
    if (!state.up) return;
    state.run(SETTLE, [keys.spend, keys.holds], [reservation.id, usd]).then(
      (spent) => {
        if (typeof spent === 'string')
          this.local.noteSpend(reservation.keyId, keys.budget, Number(spent), now);
      },
      (error: unknown) => this.options.onError?.(error),
    );
  }

  async snapshot(keyId: string, budget: Budget, now: number): Promise<BudgetSnapshot> {
    const { state } = this.options;
    if (!state.up) return this.local.snapshot(keyId, budget, now);
    try {
      const keys = this.keysOf(keyId, budget, now);
      let spent = await state.client.hget(keys.spend, 'usd');
      if (spent === null) {
        await this.reseed(keyId, budget, keys.spend, now);
        spent = (await state.client.hget(keys.spend, 'usd')) ?? '0';
      }
      let reserved = 0;
      for (const hold of Object.values(await state.client.hgetall(keys.holds))) {
        const [usd, expiresAt] = hold.split(' ').map(Number);
        if (usd !== undefined && expiresAt !== undefined && expiresAt > now) reserved += usd;
      }
      return this.snapshotOf(budget, now, Number(spent), reserved);
    } catch (error) {
      this.options.onError?.(error);
      return this.local.snapshot(keyId, budget, now);
    }
  }

  flush(): Promise<void> {
    return this.local.flush();
  }

  close(): Promise<void> {
    return this.local.close();
  }

  /**
   * Sets the period's counter from the ledger. This replica's settled spend still waiting is
   * written first, so the ledger read includes it.
   */
  private async reseed(keyId: string, budget: Budget, spendKey: string, now: number): Promise<void> {
    await this.local.flush();
    const period = budgetPeriodAt(budget.period, now);
    const spent = await this.store.sumSpend(keyId, period.start);
    await this.options.state.run(RESEED, [spendKey], [spent, `${now}:${this.instance}`, SPEND_TTL_MS]);
  }

  private keysOf(keyId: string, budget: Budget, now: number): PeriodKeys {
    const period = budgetPeriodAt(budget.period, now);
    const base = `${this.options.state.prefix}budget:${keyId}:${budget.period}:${period.start}`;
    return { spend: `${base}:spend`, holds: `${base}:holds`, budget };
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
