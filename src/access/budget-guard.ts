import { newId } from '../core/index.js';
import type { BudgetPeriod, SpendEntry, Store } from '../store/index.js';
import { budgetPeriodAt } from './budget-period.js';

/** A key's budget: USD per period. */
export interface Budget {
  usd: number;
  period: BudgetPeriod;
}

/** Where a key's budget stands. */
export interface BudgetSnapshot {
  limitUsd: number;
  period: BudgetPeriod;
  periodStart: number;
  /** End of the period (epoch ms); absent for `total`. */
  periodEnd?: number;
  /** Settled spend this period (the ledger's, plus what this process settled since it read it). */
  spentUsd: number;
  /** Worst-case cost of the requests admitted and not yet settled. */
  reservedUsd: number;
}

/** A request's hold on a key's budget, replaced by the actual cost when settled. */
export interface Reservation {
  readonly id: string;
  readonly keyId: string;
  readonly usd: number;
}

/** A refused reservation: the budget left cannot cover the request's worst case. */
export interface BudgetRefusal {
  refused: true;
  snapshot: BudgetSnapshot;
}

/** A budget threshold crossed for the first time in a period (50, 80, 100 %). */
export interface BudgetThresholdEvent {
  keyId: string;
  threshold: number;
  snapshot: BudgetSnapshot;
}

/** What AccessControl needs of budgets: {@link BudgetGuard} in one process, RedisBudgetGuard across replicas. */
export interface Budgets {
  /** Holds `usd` of the key's budget until `expiresAt`, or refuses. @throws when the spend cannot be read. */
  reserve(
    keyId: string,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
  ): Promise<Reservation | BudgetRefusal>;
  /** Replaces a reservation with the actual cost (once; a second call does nothing). */
  settle(reservation: Reservation, usd: number, now: number): void;
  /** Where a key's budget stands now. */
  snapshot(keyId: string, budget: Budget, now: number): Promise<BudgetSnapshot>;
  /** Writes the settled spend waiting for the ledger. */
  flush(): Promise<void>;
  /** Writes what waits for the ledger and stops. */
  close(): Promise<void>;
}

/** Options of {@link BudgetGuard}. */
export interface BudgetGuardOptions {
  store: Store;
  /** Fractions of the budget that raise an alert once per period; default 0.5, 0.8, 1. */
  thresholds?: readonly number[];
  onThreshold?: (event: BudgetThresholdEvent) => void;
  /** A ledger write or read failed (the request is not failed for it). */
  onError?: (error: unknown) => void;
  /** How often settled spend is written to the ledger, in ms; default 200. */
  flushIntervalMs?: number;
  /** Settled requests written in one transaction at most; this many waiting are written at once. Default 256. */
  batchSize?: number;
}

interface HeldReservation {
  usd: number;
  expiresAt: number;
}

interface Account {
  budget: Budget;
  periodStart: number;
  periodEnd?: number;
  /** Resolves once the ledger's spend for the period has been read. */
  loaded: Promise<void>;
  isLoaded: boolean;
  spent: number;
  reserved: number;
  holds: Map<string, HeldReservation>;
  /** The earliest expiry among the holds: before it, there is nothing to sweep. */
  nextExpiry: number;
}

const DEFAULT_THRESHOLDS = [0.5, 0.8, 1];
const DAY_MS = 86_400_000;
/**
 * Sums of dollars drift in binary floating point (twenty holds of $0.05 add up to
 * 1.0000000000000002, which refused the twentieth against $1.00): a billionth of a dollar is none.
 */
const USD_TOLERANCE = 1e-9;

/**
 * Spend budgets that hold under concurrency (DESIGN.md section 8). Before a request runs, its
 * worst-case cost is reserved: the check of spend + reservations + this request against the limit
 * and the reservation itself happen in one synchronous step, so no two requests can both take the
 * last dollar. On completion the reservation is replaced by the actual cost, counted in memory at
 * once and written to the store's ledger in batches: one row per key and UTC day every
 * `flushIntervalMs` (a row per request cost more than the rest of the check). A reservation never
 * settled (a request that crashed) expires.
 * The ledger is the truth: a key's spend for a period is read from it the first time the key is
 * seen in that period, so a restart neither resets nor doubles it.
 */
export class BudgetGuard implements Budgets {
  private readonly accounts = new Map<string, Account>();
  private readonly writes = new Set<Promise<unknown>>();
  /** Reservations settled already: a second settle must not count the cost in memory again. */
  private readonly settled = new WeakSet<Reservation>();
  /**
   * Ledger writes and reads, one after another: a read of a key's spend then sees exactly the
   * batches written before it, whatever the store (a networked one may run calls in any order).
   */
  private ledger: Promise<unknown> = Promise.resolve();
  private readonly thresholds: readonly number[];
  private sequence = 0;
  /** Settled spend not yet in the ledger (already counted in memory), summed per key and UTC day. */
  private pending = new Map<string, SpendEntry>();
  private readonly timer: NodeJS.Timeout;
  private readonly batchSize: number;

  constructor(private readonly options: BudgetGuardOptions) {
    this.thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
    this.batchSize = options.batchSize ?? 256;
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /**
   * Writes the settled spend waiting for the ledger, and resolves once every write begun before,
   * by the timer too, is done: a ledger read after it sees all spend settled so far.
   */
  flush(): Promise<void> {
    if (this.pending.size === 0) return this.ledger.then(() => undefined);
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const write = this.ledger.then(() => this.options.store.recordSpend(batch));
    this.ledger = write.catch(() => undefined);
    this.track(write);
    return write.catch(() => undefined);
  }

  /**
   * Reserves `usd` of the key's budget until `expiresAt`, or refuses when spend, reservations in
   * flight and this request together would pass the budget.
   */
  async reserve(
    keyId: string,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
  ): Promise<Reservation | BudgetRefusal> {
    const account = this.accountAt(keyId, budget, now);
    if (!account.isLoaded) await account.loaded;
    // Everything from here to the end is synchronous: the check and the hold are one step.
    const current = this.accountAt(keyId, budget, now);
    this.dropExpired(current, now);
    const committed = current.spent + current.reserved;
    if (committed > budget.usd - USD_TOLERANCE || committed + usd > budget.usd + USD_TOLERANCE) {
      return { refused: true, snapshot: snapshotOf(current) };
    }
    this.sequence += 1;
    const id = `${keyId}:${this.sequence}`;
    current.holds.set(id, { usd, expiresAt });
    current.nextExpiry = Math.min(current.nextExpiry, expiresAt);
    current.reserved += usd;
    return { id, keyId, usd };
  }

  /**
   * Replaces a reservation with the request's actual cost and records it in the ledger. A
   * reservation settles once (a second call does nothing); one that expired still records its cost.
   */
  settle(reservation: Reservation, usd: number, now: number): void {
    if (this.settled.has(reservation)) return;
    this.settled.add(reservation);
    // Holds move with the key's account from period to period, so the key's account has it if anyone does.
    const account = this.accounts.get(reservation.keyId);
    const held = account?.holds.get(reservation.id);
    if (account !== undefined && held !== undefined) {
      account.holds.delete(reservation.id);
      account.reserved = Math.max(0, account.reserved - held.usd);
    }
    if (usd <= 0) return;
    this.queue(reservation.keyId, usd, now);
    if (account === undefined) return;
    const counted =
      account.periodStart <= now && (account.periodEnd === undefined || now < account.periodEnd);
    if (!counted) return;
    // A spend read still under way will not include this write if it was issued first (SQLite runs
    // statements in call order); add it once the read is in.
    const add = () => {
      const before = account.spent;
      account.spent += usd;
      this.checkThresholds(reservation.keyId, account, before, now);
    };
    if (account.isLoaded) add();
    else void account.loaded.then(add);
  }

  /** Adds settled spend to the batch waiting for the ledger: one entry per key and UTC day, so every period still sums exactly. */
  private queue(keyId: string, usd: number, now: number): void {
    const day = Math.floor(now / DAY_MS);
    const slot = `${keyId}\u0000${day}`;
    const waiting = this.pending.get(slot);
    if (waiting === undefined) {
      this.pending.set(slot, { id: newId('spend'), keyId, at: now, usd });
      if (this.pending.size >= this.batchSize) void this.flush();
    } else {
      waiting.usd = Number((waiting.usd + usd).toFixed(12));
      waiting.at = Math.max(waiting.at, now);
    }
  }

  /**
   * Raises this process's view of a key's settled spend to what shared state reported (spend other
   * replicas settled), so a fallback reservation is checked against the last spend known and a
   * threshold crossed anywhere is alerted (claims are once only). Does nothing before the ledger is read.
   */
  noteSpend(keyId: string, budget: Budget, spentUsd: number, now: number): void {
    const account = this.accountAt(keyId, budget, now);
    if (!account.isLoaded || spentUsd <= account.spent) return;
    const before = account.spent;
    account.spent = spentUsd;
    this.checkThresholds(keyId, account, before, now);
  }

  /** Where a key's budget stands now (reads the ledger the first time). */
  async snapshot(keyId: string, budget: Budget, now: number): Promise<BudgetSnapshot> {
    const account = this.accountAt(keyId, budget, now);
    await account.loaded;
    this.dropExpired(account, now);
    return snapshotOf(account);
  }

  /** Waits for ledger writes under way. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await Promise.allSettled([...this.writes]);
  }

  private accountAt(keyId: string, budget: Budget, now: number): Account {
    const existing = this.accounts.get(keyId);
    // The common case, without date arithmetic: the key's account covers now.
    if (
      existing !== undefined &&
      existing.budget.period === budget.period &&
      now >= existing.periodStart &&
      (existing.periodEnd === undefined || now < existing.periodEnd)
    ) {
      existing.budget = budget;
      return existing;
    }
    const period = budgetPeriodAt(budget.period, now);
    if (
      existing !== undefined &&
      existing.periodStart === period.start &&
      existing.budget.period === budget.period
    ) {
      existing.budget = budget;
      return existing;
    }
    // Requests admitted in the period just ended still hold their reservations until they settle.
    const account: Account = {
      budget,
      periodStart: period.start,
      spent: 0,
      reserved: existing?.reserved ?? 0,
      holds: existing?.holds ?? new Map(),
      nextExpiry: existing?.nextExpiry ?? Number.POSITIVE_INFINITY,
      isLoaded: false,
      loaded: Promise.resolve(),
    };
    if (period.end !== undefined) account.periodEnd = period.end;
    // Settled spend still waiting is written first and the read queued right after it, so the read
    // sees exactly what settled before now; what settles while it runs is added in memory after it.
    void this.flush();
    const read = this.ledger.then(() => this.options.store.sumSpend(keyId, period.start));
    this.ledger = read.catch(() => undefined);
    account.loaded = read.then(
      (spent) => {
        account.spent += spent;
        account.isLoaded = true;
        // Thresholds crossed before a restart whose alert was never sent are sent now (claims are once only).
        this.checkThresholds(keyId, account, 0, now);
      },
      (error: unknown) => {
        // Without the ledger the spend is unknown: a budgeted key is refused rather than let run
        // free, and the next request reads it again.
        if (this.accounts.get(keyId) === account) this.accounts.delete(keyId);
        this.options.onError?.(error);
        throw error;
      },
    );
    this.accounts.set(keyId, account);
    return account;
  }

  private dropExpired(account: Account, now: number): void {
    if (now < account.nextExpiry) return;
    account.nextExpiry = Number.POSITIVE_INFINITY;
    for (const [id, held] of account.holds) {
      if (held.expiresAt <= now) {
        account.holds.delete(id);
        account.reserved = Math.max(0, account.reserved - held.usd);
      } else account.nextExpiry = Math.min(account.nextExpiry, held.expiresAt);
    }
  }

  private checkThresholds(keyId: string, account: Account, before: number, now: number): void {
    const limit = account.budget.usd;
    for (const threshold of this.thresholds) {
      const mark = limit * threshold;
      if (account.spent >= mark && before < mark) {
        const claim = this.options.store
          .claimBudgetAlert(keyId, account.periodStart, threshold, now)
          .then((claimed) => {
            if (claimed) this.options.onThreshold?.({ keyId, threshold, snapshot: snapshotOf(account) });
          });
        this.track(claim);
      }
    }
  }

  private track(write: Promise<unknown>): void {
    const tracked = write.catch((error: unknown) => this.options.onError?.(error));
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }
}

function snapshotOf(account: Account): BudgetSnapshot {
  const snapshot: BudgetSnapshot = {
    limitUsd: account.budget.usd,
    period: account.budget.period,
    periodStart: account.periodStart,
    spentUsd: Number(account.spent.toFixed(12)),
    reservedUsd: Number(account.reserved.toFixed(12)),
  };
  if (account.periodEnd !== undefined) snapshot.periodEnd = account.periodEnd;
  return snapshot;
}

/** Whether {@link BudgetGuard.reserve} refused. */
export function isBudgetRefusal(value: Reservation | BudgetRefusal): value is BudgetRefusal {
  return 'refused' in value;
}
