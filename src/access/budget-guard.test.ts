import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { type SpendEntry, SqliteStore } from '../store/index.js';
import {
  type Budget,
  BudgetGuard,
  type BudgetGuardOptions,
  type BudgetRefusal,
  type BudgetThresholdEvent,
  isBudgetRefusal,
  type Reservation,
} from './budget-guard.js';

const DAY_MS = 86_400_000;
/** Tuesday 2026-03-10, noon UTC. */
const NOON = Date.parse('2026-03-10T12:00:00.000Z');
const DAY_START = Date.parse('2026-03-10T00:00:00.000Z');
const DAY_END = DAY_START + DAY_MS;
const LATER = NOON + 600_000;
const DAILY: Budget = { usd: 1, period: 'day' };
const TOTAL: Budget = { usd: 1, period: 'total' };

/** The real store with injected faults and a count of the ledger's reads and writes. */
class LedgerStore extends SqliteStore {
  sumSpendCalls = 0;
  recordSpendCalls = 0;
  claimCalls = 0;
  failSumSpend = false;
  failRecordSpend = false;
  failClaim = false;
  /** Ledger writes wait for this before writing, when set. */
  writeGate: Promise<void> | undefined;

  constructor() {
    super({ path: ':memory:' });
  }

  override async sumSpend(keyId: string, since: number): Promise<number> {
    this.sumSpendCalls += 1;
    if (this.failSumSpend) throw new Error('ledger unreadable');
    return super.sumSpend(keyId, since);
  }

  override async recordSpend(entries: readonly SpendEntry[]): Promise<void> {
    this.recordSpendCalls += 1;
    if (this.failRecordSpend) throw new Error('ledger unwritable');
    await this.writeGate;
    return super.recordSpend(entries);
  }

  override async claimBudgetAlert(keyId: string, periodStart: number, threshold: number, at: number) {
    this.claimCalls += 1;
    if (this.failClaim) throw new Error('alerts unwritable');
    return super.claimBudgetAlert(keyId, periodStart, threshold, at);
  }
}

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

function setUp(options: Omit<BudgetGuardOptions, 'store'> = {}) {
  const store = new LedgerStore();
  stores.push(store);
  const events: BudgetThresholdEvent[] = [];
  const errors: unknown[] = [];
  const guardOver = () =>
    new BudgetGuard({
      store,
      onThreshold: (event) => events.push(event),
      onError: (error) => errors.push(error),
      ...options,
    });
  return { store, guard: guardOver(), guardOver, events, errors };
}

async function reserved(
  guard: BudgetGuard,
  usd: number,
  now = NOON,
  budget: Budget = DAILY,
  key = 'key_a',
): Promise<Reservation> {
  const held = await guard.reserve(key, budget, usd, now, now + 60_000);
  if (isBudgetRefusal(held)) throw new Error(`refused ${usd}`);
  return held;
}

async function refused(
  guard: BudgetGuard,
  usd: number,
  now = NOON,
  budget: Budget = DAILY,
): Promise<BudgetRefusal> {
  const held = await guard.reserve('key_a', budget, usd, now, now + 60_000);
  if (!isBudgetRefusal(held)) throw new Error(`admitted ${usd}`);
  return held;
}

describe('BudgetGuard.reserve', () => {
  it('holds the worst case up to the budget exactly and refuses past it', async () => {
    const { guard } = setUp();
    const first = await reserved(guard, 0.6);
    expect(first).toEqual({ id: 'key_a:1', keyId: 'key_a', usd: 0.6 });
    const second = await reserved(guard, 0.4);
    expect(second.id).toBe('key_a:2');
    const refusal = await refused(guard, 0.01);
    expect(refusal).toEqual({
      refused: true,
      snapshot: {
        limitUsd: 1,
        period: 'day',
        periodStart: DAY_START,
        periodEnd: DAY_END,
        spentUsd: 0,
        reservedUsd: 1,
      },
    });
  });

  it('refuses even a request estimated at nothing once the budget is used up', async () => {
    const { guard } = setUp();
    expect((await reserved(guard, 0)).usd).toBe(0);
    await reserved(guard, 1);
    await refused(guard, 0);
  });

  it('refuses a single request whose worst case is over the whole budget', async () => {
    const { guard } = setUp();
    const refusal = await refused(guard, 1.000001);
    expect(refusal.snapshot.reservedUsd).toBe(0);
    await reserved(guard, 1);
  });

  it('admits exactly twenty of fifty concurrent $0.05 requests against $1.00', async () => {
    const { guard, store } = setUp();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => guard.reserve('key_a', DAILY, 0.05, NOON, LATER)),
    );
    expect(results.filter((result) => !isBudgetRefusal(result))).toHaveLength(20);
    expect((await guard.snapshot('key_a', DAILY, NOON)).reservedUsd).toBe(1);
    // The ledger was read once for all of them.
    expect(store.sumSpendCalls).toBe(1);
  });

  it('takes a billionth of a dollar for no difference, and no more', async () => {
    const over = setUp().guard;
    await reserved(over, 1 + 1e-9);
    await refused(over, 0);
    const under = setUp().guard;
    await reserved(under, 1 - 1e-9);
    await reserved(under, 0);
    await refused(under, 3e-9);
    await refused(setUp().guard, 1 + 2e-9);
  });

  it('does not let binary rounding refuse what the budget covers', async () => {
    const { guard } = setUp();
    const budget: Budget = { usd: 0.3, period: 'day' };
    await reserved(guard, 0.1, NOON, budget);
    await reserved(guard, 0.2, NOON, budget);
    await refused(guard, 0, NOON, budget);
  });

  it('counts the ledger’s spend against the budget', async () => {
    const { guard, store } = setUp();
    await store.recordSpend([{ id: 'r0', keyId: 'key_a', at: NOON - 1_000, usd: 0.5 }]);
    await store.recordSpend([{ id: 'r1', keyId: 'key_b', at: NOON - 1_000, usd: 0.9 }]);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => guard.reserve('key_a', DAILY, 0.05, NOON, LATER)),
    );
    expect(results.filter((result) => !isBudgetRefusal(result))).toHaveLength(10);
    expect(await guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0.5, reservedUsd: 0.5 });
  });

  it('lets an unsettled reservation expire on schedule', async () => {
    const { guard } = setUp();
    const clock = new ManualClock(NOON);
    await guard.reserve('key_a', DAILY, 1, clock.now(), clock.now() + 1_000);
    clock.advance(999);
    await refused(guard, 0.1, clock.now());
    expect((await guard.snapshot('key_a', DAILY, clock.now())).reservedUsd).toBe(1);
    clock.advance(1);
    expect((await guard.snapshot('key_a', DAILY, clock.now())).reservedUsd).toBe(0);
    await reserved(guard, 1, clock.now());
  });

  it('drops only the reservations that expired', async () => {
    const { guard } = setUp();
    await guard.reserve('key_a', DAILY, 0.25, NOON, NOON + 1_000);
    await guard.reserve('key_a', DAILY, 0.5, NOON, NOON + 5_000);
    expect((await guard.snapshot('key_a', DAILY, NOON + 1_000)).reservedUsd).toBe(0.5);
    expect((await guard.snapshot('key_a', DAILY, NOON + 5_000)).reservedUsd).toBe(0);
  });

  it('drops an expired reservation when reserving, without a snapshot first', async () => {
    const { guard } = setUp();
    await guard.reserve('key_a', DAILY, 1, NOON, NOON + 1_000);
    await reserved(guard, 1, NOON + 1_000);
  });

  it('applies a changed limit within the period', async () => {
    const { guard } = setUp();
    await reserved(guard, 1);
    await refused(guard, 0.5);
    await reserved(guard, 0.5, NOON, { usd: 2, period: 'day' });
    const refusal = await refused(guard, 0.6, NOON, { usd: 2, period: 'day' });
    expect(refusal.snapshot.limitUsd).toBe(2);
  });

  it('keeps each key’s budget apart', async () => {
    const { guard } = setUp();
    await reserved(guard, 1);
    await reserved(guard, 1, NOON, DAILY, 'key_b');
  });

  it('rejects, and reports, when the ledger cannot be read; reads it again next time', async () => {
    const { guard, store, errors } = setUp();
    store.failSumSpend = true;
    await expect(guard.reserve('key_a', DAILY, 0.1, NOON, LATER)).rejects.toThrow('ledger unreadable');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('ledger unreadable');
    await expect(guard.snapshot('key_a', DAILY, NOON)).rejects.toThrow('ledger unreadable');
    store.failSumSpend = false;
    await store.recordSpend([{ id: 'r0', keyId: 'key_a', at: NOON, usd: 0.95 }]);
    await refused(guard, 0.1);
    await reserved(guard, 0.05);
    expect(store.sumSpendCalls).toBe(3);
  });
});

describe('BudgetGuard.settle', () => {
  it('replaces the reservation with the actual cost, in memory and in the ledger', async () => {
    const { guard, store } = setUp();
    const reservation = await reserved(guard, 0.5);
    await reserved(guard, 0.25);
    guard.settle(reservation, 0.2, NOON + 1_000);
    expect(await guard.snapshot('key_a', DAILY, NOON + 1_000)).toEqual({
      limitUsd: 1,
      period: 'day',
      periodStart: DAY_START,
      periodEnd: DAY_END,
      spentUsd: 0.2,
      reservedUsd: 0.25,
    });
    await guard.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.2);
    await reserved(guard, 0.55, NOON + 1_000);
    await refused(guard, 0.01, NOON + 1_000);
  });

  it('waits on closing for ledger writes under way', async () => {
    const { guard, store } = setUp();
    let open = () => {};
    store.writeGate = new Promise((resolve) => {
      open = resolve;
    });
    guard.settle(await reserved(guard, 0.5), 0.5, NOON);
    let closed = false;
    const closing = guard.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(await store.sumSpend('key_a', 0)).toBe(0);
    open();
    await closing;
    expect(await store.sumSpend('key_a', 0)).toBe(0.5);
  });

  it('flush waits for a write already under way, even with nothing new to write (regression)', async () => {
    // The timer's flush took the batch and is writing it; a flush called meanwhile found nothing
    // waiting and resolved at once, so a ledger read right after missed the batch in flight.
    const { guard, store } = setUp();
    let open = () => {};
    store.writeGate = new Promise((resolve) => {
      open = resolve;
    });
    guard.settle(await reserved(guard, 0.5), 0.5, NOON);
    void guard.flush();
    let flushed = false;
    const second = guard.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    open();
    await second;
    expect(await store.sumSpend('key_a', 0)).toBe(0.5);
  });

  it('records an actual cost above the reservation', async () => {
    const { guard, store } = setUp();
    guard.settle(await reserved(guard, 0.1), 0.3, NOON);
    expect((await guard.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0.3);
    await guard.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.3);
  });

  it('releases a reservation that cost nothing without writing to the ledger', async () => {
    const { guard, store } = setUp();
    guard.settle(await reserved(guard, 1), 0, NOON);
    expect(await guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect(store.recordSpendCalls).toBe(0);
    await reserved(guard, 1);
  });

  it('records a request settled twice once, in memory and in the ledger', async () => {
    const { guard, store } = setUp();
    const reservation = await reserved(guard, 0.5);
    guard.settle(reservation, 0.4, NOON);
    guard.settle(reservation, 0.4, NOON);
    expect(await guard.snapshot('key_a', DAILY, NOON)).toMatchObject({ spentUsd: 0.4, reservedUsd: 0 });
    await guard.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.4);
  });

  it('records a request settled after its reservation expired, leaving other holds alone', async () => {
    const { guard, store } = setUp();
    const late = await guard.reserve('key_a', DAILY, 0.5, NOON, NOON + 1_000);
    if (isBudgetRefusal(late)) throw new Error('refused');
    expect((await guard.snapshot('key_a', DAILY, NOON + 2_000)).reservedUsd).toBe(0);
    await reserved(guard, 0.4, NOON + 2_000);
    guard.settle(late, 0.3, NOON + 3_000);
    expect(await guard.snapshot('key_a', DAILY, NOON + 3_000)).toMatchObject({
      spentUsd: 0.3,
      reservedUsd: 0.4,
    });
    await guard.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.3);
  });

  it('records the cost of a key it holds no account for', async () => {
    const { guard, store } = setUp();
    guard.settle({ id: 'key_a:99', keyId: 'key_a', usd: 0.5 }, 0.25, NOON);
    await guard.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.25);
    expect((await guard.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0.25);
  });

  it('reports a failed ledger write and still releases the reservation', async () => {
    const { guard, store, errors } = setUp();
    store.failRecordSpend = true;
    guard.settle(await reserved(guard, 1), 0.5, NOON);
    await guard.close();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('ledger unwritable');
    expect((await guard.snapshot('key_a', DAILY, NOON)).reservedUsd).toBe(0);
  });

  it('counts a cost in the period it was settled in, start included and end excluded', async () => {
    const { guard } = setUp();
    await guard.snapshot('key_a', DAILY, NOON);
    guard.settle({ id: 'x:1', keyId: 'key_a', usd: 0 }, 0.125, DAY_START);
    guard.settle({ id: 'x:2', keyId: 'key_a', usd: 0 }, 0.25, DAY_END);
    expect((await guard.snapshot('key_a', DAILY, DAY_END - 1)).spentUsd).toBe(0.125);
    // The next day's account reads the ledger, which has the cost settled at its start.
    expect((await guard.snapshot('key_a', DAILY, DAY_END)).spentUsd).toBe(0.25);
    // A cost stamped before the period is not this period's.
    guard.settle({ id: 'x:3', keyId: 'key_a', usd: 0 }, 0.5, NOON);
    expect((await guard.snapshot('key_a', DAILY, DAY_END)).spentUsd).toBe(0.25);
  });

  it('counts every settled cost in a total budget', async () => {
    const { guard } = setUp();
    await guard.snapshot('key_a', TOTAL, NOON);
    guard.settle({ id: 'x:1', keyId: 'key_a', usd: 0 }, 0.25, NOON + 400 * DAY_MS);
    expect((await guard.snapshot('key_a', TOTAL, NOON)).spentUsd).toBe(0.25);
  });
});

describe('BudgetGuard periods', () => {
  it('starts a day budget afresh the next day, but not a total budget', async () => {
    const { guard } = setUp();
    guard.settle(await reserved(guard, 0.9), 0.9, NOON);
    guard.settle(await reserved(guard, 0.9, NOON, TOTAL, 'key_t'), 0.9, NOON);
    const tomorrow = NOON + DAY_MS;
    expect(await guard.snapshot('key_a', DAILY, tomorrow)).toEqual({
      limitUsd: 1,
      period: 'day',
      periodStart: DAY_END,
      periodEnd: DAY_END + DAY_MS,
      spentUsd: 0,
      reservedUsd: 0,
    });
    await reserved(guard, 0.9, tomorrow);
    const total = await guard.reserve('key_t', TOTAL, 0.2, tomorrow, tomorrow + 60_000);
    expect(isBudgetRefusal(total)).toBe(true);
    const snapshot = await guard.snapshot('key_t', TOTAL, tomorrow);
    expect(snapshot).toEqual({ limitUsd: 1, period: 'total', periodStart: 0, spentUsd: 0.9, reservedUsd: 0 });
    expect('periodEnd' in snapshot).toBe(false);
  });

  it('keeps holds of requests admitted just before the period ended', async () => {
    const { guard, store } = setUp();
    const lastMinute = DAY_END - 60_000;
    const before = await guard.reserve('key_a', DAILY, 0.7, lastMinute, lastMinute + 3_600_000);
    if (isBudgetRefusal(before)) throw new Error('refused');
    const afterMidnight = DAY_END + 60_000;
    const refusal = await refused(guard, 0.5, afterMidnight);
    expect(refusal.snapshot).toMatchObject({ periodStart: DAY_END, spentUsd: 0, reservedUsd: 0.7 });
    guard.settle(before, 0.3, afterMidnight);
    expect(await guard.snapshot('key_a', DAILY, afterMidnight)).toMatchObject({
      spentUsd: 0.3,
      reservedUsd: 0,
    });
    await guard.close();
    expect(await store.sumSpend('key_a', DAY_END)).toBe(0.3);
  });

  it('counts a cost settled while the new period’s ledger read is under way once', async () => {
    const { guard, store } = setUp();
    const before = await reserved(guard, 0.5, DAY_END - 60_000);
    const afterMidnight = DAY_END + 60_000;
    const reading = guard.snapshot('key_a', DAILY, afterMidnight);
    guard.settle(before, 0.3, afterMidnight);
    await reading;
    await guard.close();
    expect((await guard.snapshot('key_a', DAILY, afterMidnight)).spentUsd).toBe(0.3);
    expect(await store.sumSpend('key_a', DAY_END)).toBe(0.3);
  });

  it('starts a new account when the period changes even if it starts at the same time', async () => {
    const { guard } = setUp();
    const monday = Date.parse('2026-03-09T12:00:00.000Z');
    expect((await guard.snapshot('key_a', DAILY, monday)).periodEnd).toBe(
      Date.parse('2026-03-10T00:00:00.000Z'),
    );
    expect(await guard.snapshot('key_a', { usd: 1, period: 'week' }, monday)).toMatchObject({
      period: 'week',
      periodStart: Date.parse('2026-03-09T00:00:00.000Z'),
      periodEnd: Date.parse('2026-03-16T00:00:00.000Z'),
    });
  });

  it('reads the ledger again when the budget’s period changes', async () => {
    const { guard, store } = setUp();
    // Monday of the same week.
    await store.recordSpend([{ id: 'r0', keyId: 'key_a', at: NOON - DAY_MS, usd: 0.5 }]);
    expect((await guard.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0);
    expect((await guard.snapshot('key_a', { usd: 1, period: 'week' }, NOON)).spentUsd).toBe(0.5);
    expect((await guard.snapshot('key_a', TOTAL, NOON)).spentUsd).toBe(0.5);
  });
});

describe('BudgetGuard across restarts', () => {
  it('sees what an earlier guard over the same store spent, once', async () => {
    const { guard, guardOver, store } = setUp();
    guard.settle(await reserved(guard, 0.5), 0.3, NOON);
    guard.settle(await reserved(guard, 0.5), 0.2, NOON);
    await guard.close();

    const restarted = guardOver();
    expect((await restarted.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0.5);
    await reserved(restarted, 0.5);
    await refused(restarted, 0.01);

    const again = guardOver();
    expect((await again.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0.5);
    expect(await store.sumSpend('key_a', 0)).toBe(0.5);
  });

  it('keeps what it read for the period: spend written by another process shows from the next period on', async () => {
    const { guard, store } = setUp();
    expect((await guard.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0);
    await store.recordSpend([{ id: 'elsewhere', keyId: 'key_a', at: NOON, usd: 0.4 }]);
    expect((await guard.snapshot('key_a', DAILY, NOON)).spentUsd).toBe(0);
    await store.recordSpend([{ id: 'tomorrow', keyId: 'key_a', at: DAY_END, usd: 0.1 }]);
    expect((await guard.snapshot('key_a', DAILY, DAY_END)).spentUsd).toBe(0.1);
  });
});

describe('BudgetGuard thresholds', () => {
  const TEN: Budget = { usd: 10, period: 'day' };

  async function spend(guard: BudgetGuard, usd: number, now = NOON) {
    guard.settle(await reserved(guard, 0, now, TEN), usd, now);
    await guard.close();
  }

  it('alerts at 50, 80 and 100 % once each, on reaching the mark', async () => {
    const { guard, store, events } = setUp();
    await spend(guard, 4.5);
    expect(events).toEqual([]);
    await spend(guard, 0.5);
    expect(events).toEqual([
      {
        keyId: 'key_a',
        threshold: 0.5,
        snapshot: {
          limitUsd: 10,
          period: 'day',
          periodStart: DAY_START,
          periodEnd: DAY_END,
          spentUsd: 5,
          reservedUsd: 0,
        },
      },
    ]);
    await spend(guard, 2.5);
    expect(events.map((event) => event.threshold)).toEqual([0.5]);
    await spend(guard, 0.5);
    await spend(guard, 2);
    expect(events.map((event) => [event.threshold, event.snapshot.spentUsd])).toEqual([
      [0.5, 5],
      [0.8, 8],
      [1, 10],
    ]);
    // Each mark was claimed once, when it was reached.
    expect(store.claimCalls).toBe(3);
  });

  it('alerts for every mark one cost passes', async () => {
    const { guard, events } = setUp();
    await spend(guard, 12);
    expect(events.map((event) => event.threshold)).toEqual([0.5, 0.8, 1]);
  });

  it('does not alert again after a restart, and alerts for marks passed while it was down', async () => {
    const { guard, guardOver, store, events } = setUp();
    await spend(guard, 6);
    expect(events.map((event) => event.threshold)).toEqual([0.5]);

    const restarted = guardOver();
    await restarted.snapshot('key_a', TEN, NOON);
    await restarted.close();
    expect(events.map((event) => event.threshold)).toEqual([0.5]);

    // Spend recorded by another process whose alert was never sent.
    await store.recordSpend([{ id: 'elsewhere', keyId: 'key_a', at: NOON, usd: 2.5 }]);
    const third = guardOver();
    await third.snapshot('key_a', TEN, NOON);
    await third.close();
    expect(events.map((event) => event.threshold)).toEqual([0.5, 0.8]);
    expect(events[1]?.snapshot.spentUsd).toBe(8.5);
  });

  it('alerts again in the next period', async () => {
    const { guard, events } = setUp();
    await spend(guard, 5);
    await spend(guard, 5, NOON + DAY_MS);
    expect(events.map((event) => [event.threshold, event.snapshot.periodStart])).toEqual([
      [0.5, DAY_START],
      [0.5, DAY_END],
    ]);
  });

  it('alerts at the thresholds it is given', async () => {
    const { guard, events } = setUp({ thresholds: [0.25] });
    await spend(guard, 2.5);
    await spend(guard, 7.5);
    expect(events.map((event) => event.threshold)).toEqual([0.25]);
  });

  it('reports an alert that could not be claimed', async () => {
    const { guard, store, events, errors } = setUp();
    store.failClaim = true;
    await spend(guard, 5);
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('alerts unwritable');
  });

  it('works without listeners', async () => {
    const store = new LedgerStore();
    stores.push(store);
    const guard = new BudgetGuard({ store });
    store.failRecordSpend = true;
    await spend(guard, 6);
    store.failRecordSpend = false;
    await spend(guard, 6);
    expect((await guard.snapshot('key_a', TEN, NOON)).spentUsd).toBe(12);
  });
});

describe('isBudgetRefusal', () => {
  it('tells a refusal from a reservation', () => {
    expect(isBudgetRefusal({ id: 'k:1', keyId: 'k', usd: 1 })).toBe(false);
    expect(
      isBudgetRefusal({
        refused: true,
        snapshot: { limitUsd: 1, period: 'total', periodStart: 0, spentUsd: 1, reservedUsd: 0 },
      }),
    ).toBe(true);
  });
});

describe('BudgetGuard ledger batches', () => {
  it('writes one ledger row per key and UTC day per batch, with the batch total', async () => {
    const { guard, store } = setUp({ flushIntervalMs: 3_600_000 });
    const held = [];
    for (let index = 0; index < 10; index += 1) held.push(await reserved(guard, 0.01));
    const other = await reserved(guard, 0.01, NOON, DAILY, 'key_b');
    const before = store.recordSpendCalls;
    for (const reservation of held) guard.settle(reservation, 0.01, NOON);
    guard.settle(other, 0.02, NOON);
    guard.settle({ id: 'x:9', keyId: 'key_a', usd: 0 }, 0.03, DAY_END);
    expect(store.recordSpendCalls).toBe(before);
    await guard.flush();
    expect(store.recordSpendCalls).toBe(before + 1);
    expect(await store.sumSpend('key_a', DAY_START)).toBeCloseTo(0.13, 12);
    expect(await store.sumSpend('key_a', DAY_END)).toBeCloseTo(0.03, 12);
    expect(await store.sumSpend('key_b', 0)).toBeCloseTo(0.02, 12);
    await guard.flush();
    expect(store.recordSpendCalls).toBe(before + 1);
  });

  it('writes at once when a batch holds batchSize keys', async () => {
    const { guard, store } = setUp({ flushIntervalMs: 3_600_000, batchSize: 2 });
    const first = await reserved(guard, 0.01);
    const second = await reserved(guard, 0.01);
    const third = await reserved(guard, 0.01, NOON, DAILY, 'key_b');
    const before = store.recordSpendCalls;
    guard.settle(first, 0.01, NOON);
    guard.settle(second, 0.01, NOON);
    expect(store.recordSpendCalls).toBe(before);
    guard.settle(third, 0.01, NOON);
    // Written without waiting for the timer (an hour away).
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.recordSpendCalls).toBe(before + 1);
  });

  it('counts spend settled while a slow ledger read runs exactly once', async () => {
    const { guard, store } = setUp({ flushIntervalMs: 3_600_000, batchSize: 1 });
    const kept = await reserved(guard, 0.1, NOON, DAILY);
    guard.settle(kept, 0.1, NOON);
    // The next day's account reads the ledger behind a slow write; meanwhile more spend settles
    // and its batch (batchSize 1) is written at once, after the read.
    let release: () => void = () => undefined;
    store.writeGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loading = guard.snapshot('key_a', DAILY, DAY_END);
    guard.settle({ id: 'late', keyId: 'key_a', usd: 0 }, 0.25, DAY_END + 1);
    release();
    await loading;
    await guard.flush();
    expect((await guard.snapshot('key_a', DAILY, DAY_END + 2)).spentUsd).toBe(0.25);
    expect(await store.sumSpend('key_a', DAY_END)).toBe(0.25);
  });
});
