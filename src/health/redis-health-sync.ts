import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { assertNever, type Clock } from '../core/index.js';
import {
  BREAKER_TRANSITION_KINDS,
  type BreakerTransition,
  type BreakerTransitionKind,
} from './breaker-transition.js';
import type { BreakerJSON } from './circuit-breaker.js';
import type { HealthStore } from './health-store.js';
import { OUTCOME_RESULTS, type Outcome, type OutcomeResult } from './outcome.js';
import { trialOwnerOf } from './trial-owner.js';

/** Options of {@link SharedHealth}. */
export interface SharedHealthOptions {
  /** The local store: decisions are always made on it, never on Redis. */
  store: HealthStore;
  /** `redis://` URL. */
  url: string;
  /** Prefix of every key and channel; default `detour:`. */
  keyPrefix?: string;
  clock: Clock;
  /**
   * This replica's id on the channel; random by default. Give it the id this replica beats under
   * in `<prefix>replicas` (src/access/redis-state.ts), or trials are never handed to one replica.
   */
  replicaId?: string;
  /** A replica whose heartbeat is older than this is not alive; default 15 s (three 5 s beats). */
  aliveWithinMs?: number;
  /**
   * How long after an ejection ends a replica that does not own its trials waits for the owner's
   * verdict (a restore or a new ejection) before it takes its own trials; default 30 s.
   */
  trialHandoverMs?: number;
  /** A command slower than this fails (and is made good on the next reconnect); default 500 ms. */
  commandTimeoutMs?: number;
  /** How often this replica's outcome counts are published, in one batch; default 1 s. */
  outcomeIntervalMs?: number;
  /** How long the breakers hash is kept after its last write; default 24 h. */
  keepMs?: number;
  /** Sharing became possible (true) or impossible (false); told once per change. */
  onChange?: (up: boolean) => void;
}

/** Outcome counts per deployment, per epoch second, per result. */
type OutcomeCounts = Record<string, Record<string, Partial<Record<OutcomeResult, number>>>>;

/** One replica's outcome counts since its last batch, as published on `<prefix>outcomes`. */
interface OutcomeBatch {
  from: string;
  counts: OutcomeCounts;
}

/** One transition as it travels between replicas and rests in the breakers hash. */
interface SharedRecord extends BreakerTransition {
  /** The replica it happened on. */
  from: string;
}

/**
 * Shares breaker transitions between replicas through Redis (DESIGN.md section 9). The request
 * path never waits on it: each replica decides on its own {@link HealthStore}; an ejection,
 * restore, switch or reset made here is published at once on `<prefix>health` and written to the
 * hash `<prefix>breakers` (the latest per deployment and aspect), and the others apply it to their
 * own breakers. Outcome counts go out once a second in one batch on `<prefix>outcomes` and are
 * merged into the others' windows, so failure rates reflect every replica's traffic. With Redis
 * away nothing is queued or awaited; on every (re)connect the hash is read and each side takes
 * whatever the other has that is newer, so replicas resynchronise.
 */
export class SharedHealth {
  readonly replicaId: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly outcomeChannel: string;
  /** Outcomes recorded here since the last batch. */
  private pending: OutcomeCounts = {};
  private readonly timer: NodeJS.Timeout;
  private readonly stopCounting: () => void;
  private readonly hashKey: string;
  private readonly keepMs: number;
  /** The newest record known here per hash field (made here or applied from elsewhere). */
  private readonly latest = new Map<string, SharedRecord>();
  private readonly stopListening: () => void;
  private wasUp: boolean | undefined;
  private closing = false;
  private readonly replicasKey: string;
  /** Replicas alive at the last reading of the heartbeat set; empty until read. */
  private alive: string[] = [];

  constructor(private readonly options: SharedHealthOptions) {
    const prefix = options.keyPrefix ?? 'detour:';
    this.replicaId = options.replicaId ?? randomBytes(8).toString('hex');
    this.channel = `${prefix}health`;
    this.outcomeChannel = `${prefix}outcomes`;
    this.hashKey = `${prefix}breakers`;
    this.replicasKey = `${prefix}replicas`;
    this.keepMs = options.keepMs ?? 24 * 60 * 60 * 1000;
    // As src/access/redis-state.ts: nothing is ever queued while Redis is away, and reconnecting
    // goes on in the background, at most every 2 s.
    const connect = (): Redis =>
      new Redis(options.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: options.commandTimeoutMs ?? 500,
        autoResubscribe: false,
        retryStrategy: (times) => Math.min(times * 100, 2_000),
      });
    this.publisher = connect();
    // A connection in subscriber mode can send nothing else, so transitions leave on the other one.
    this.subscriber = connect();
    for (const client of [this.publisher, this.subscriber]) {
      // Without a listener ioredis reports every failed reconnect as an unhandled error.
      client.on('error', () => this.changed());
      client.on('close', () => this.changed());
    }
    this.subscriber.on('ready', () => {
      this.subscriber
        .subscribe(this.channel, this.outcomeChannel)
        .then(() => this.resync())
        .catch(() => undefined);
    });
    this.publisher.on('ready', () => void this.resync());
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.outcomeChannel) this.receiveOutcomes(message);
      else this.receive(message);
    });
    this.stopListening = options.store.onTransition((transition) => this.share(transition));
    this.stopCounting = options.store.onRecord((outcome) => this.count(outcome));
    this.timer = setInterval(() => {
      this.publishOutcomes();
      void this.readAlive();
    }, options.outcomeIntervalMs ?? 1_000);
    this.timer.unref();
  }

  /** Whether transitions are shared now (both connections ready and subscribed). */
  get up(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Stops sharing; the local store keeps its state. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    this.stopListening();
    this.stopCounting();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  /** Replicas alive at the last reading (every second), this one included once it beats. */
  get replicas(): readonly string[] {
    return this.alive;
  }

  /** Publishes a transition made here; with Redis away it waits in {@link latest} for the resync. */
  private share(transition: BreakerTransition): void {
    const record: SharedRecord = { ...transition, from: this.replicaId };
    for (const field of fieldsOf(record)) this.latest.set(field, record);
    this.assignTrials(record);
    if (this.up) void this.write(record).catch(() => undefined);
  }

  private count(outcome: Outcome): void {
    const second = String(Math.floor(outcome.at / 1000));
    const bySecond = this.pending[outcome.deploymentId] ?? {};
    const counts = bySecond[second] ?? {};
    counts[outcome.result] = (counts[outcome.result] ?? 0) + 1;
    bySecond[second] = counts;
    this.pending[outcome.deploymentId] = bySecond;
  }

  /**
   * Sends the outcomes recorded here since the last batch. With Redis away they are dropped: they
   * are in this replica's own window already, and counts a second late would only skew the others'.
   */
  private publishOutcomes(): void {
    const counts = this.pending;
    this.pending = {};
    if (!this.up || Object.keys(counts).length === 0) return;
    const batch: OutcomeBatch = { from: this.replicaId, counts };
    void this.publisher.publish(this.outcomeChannel, JSON.stringify(batch)).catch(() => undefined);
  }

  private receiveOutcomes(message: string): void {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const batch = value as Partial<Record<keyof OutcomeBatch, unknown>>;
    if (typeof batch.from !== 'string' || batch.from === this.replicaId) return;
    if (typeof batch.counts !== 'object' || batch.counts === null) return;
    for (const [deploymentId, bySecond] of Object.entries(batch.counts)) {
      if (typeof bySecond !== 'object' || bySecond === null) continue;
      for (const [second, raw] of Object.entries(bySecond)) {
        if (typeof raw !== 'object' || raw === null || !/^\d+$/.test(second)) continue;
        const given = raw as Record<string, unknown>;
        const counts: Partial<Record<OutcomeResult, number>> = {};
        for (const result of OUTCOME_RESULTS) {
          const count = given[result];
          if (typeof count === 'number' && Number.isInteger(count) && count > 0) counts[result] = count;
        }
        this.options.store.mergeOutcomes(deploymentId, Number(second), counts);
      }
    }
  }

  private async write(record: SharedRecord): Promise<void> {
    const text = JSON.stringify(record);
    const fields = fieldsOf(record).flatMap((field) => [field, text]);
    await this.publisher
      .multi()
      .hset(this.hashKey, ...fields)
      .pexpire(this.hashKey, this.keepMs)
      .publish(this.channel, text)
      .exec();
  }

  private receive(message: string): void {
    const record = parseRecord(message);
    if (record === undefined || record.from === this.replicaId) return;
    this.adopt(record);
  }

  /** Applies a record from elsewhere when it is newer than what this replica knows. */
  private adopt(record: SharedRecord): boolean {
    const fields = fieldsOf(record);
    if (!fields.some((field) => (this.latest.get(field)?.at ?? -1) < record.at)) return false;
    for (const field of fields) this.latest.set(field, record);
    this.options.store.applyTransition(record);
    this.assignTrials(record);
    return true;
  }

  /**
   * On an ejection, made here or taken from elsewhere: one replica, the same for every replica
   * that sees the same live set ({@link trialOwnerOf}), runs its half-open trials and health
   * checks; the others leave them to it until the ejection's end plus the handover time. Without
   * Redis, or a live set that includes this replica, it runs its own, as one process would.
   */
  private assignTrials(record: SharedRecord): void {
    if (record.kind !== 'ejected' || record.breaker.machine.state !== 'open') return;
    const owner = trialOwnerOf(record.deploymentId, this.alive);
    // Cut off from Redis (the live set is then empty), the owner would never hear of an ejection
    // made here: this replica trials it.
    const elsewhere = owner !== undefined && owner !== this.replicaId && this.alive.includes(this.replicaId);
    this.options.store
      .breaker(record.deploymentId)
      .leaveTrialsElsewhere(
        elsewhere ? record.breaker.machine.openUntil + (this.options.trialHandoverMs ?? 30_000) : null,
      );
  }

  /** Reads who is alive from the heartbeat set; with Redis away the last reading stands. */
  private async readAlive(): Promise<void> {
    if (!this.up) return;
    const since = this.options.clock.now() - (this.options.aliveWithinMs ?? 15_000);
    try {
      this.alive = (await this.publisher.zrangebyscore(this.replicasKey, since, '+inf')).sort();
    } catch {
      // The next tick reads again.
    }
  }

  /**
   * On every (re)connect: takes from the hash what is newer than here (what others did while this
   * replica could not hear them) and writes back what is newer here (what it did while it could
   * not be heard), publishing that so the others take it too.
   */
  private async resync(): Promise<void> {
    this.changed();
    if (!this.up) return;
    await this.readAlive();
    let stored: Record<string, string>;
    try {
      stored = await this.publisher.hgetall(this.hashKey);
    } catch {
      return;
    }
    // Oldest first, so a later record for the same deployment is applied last.
    const records = Object.values(stored)
      .map(parseRecord)
      .filter((record): record is SharedRecord => record !== undefined)
      .sort((left, right) => left.at - right.at);
    for (const record of records) if (record.from !== this.replicaId) this.adopt(record);
    const newerHere = new Set<SharedRecord>();
    for (const [field, record] of this.latest) {
      const there = parseRecord(stored[field] ?? '');
      if (there === undefined || there.at < record.at) newerHere.add(record);
    }
    for (const record of newerHere) await this.write(record).catch(() => undefined);
  }

  private changed(): void {
    const up = this.up;
    // Who was alive is read again on reconnecting; until then this replica counts on no one.
    if (!up) this.alive = [];
    if (this.closing || up === this.wasUp) return;
    this.wasUp = up;
    this.options.onChange?.(up);
  }
}

/** The hash fields a record is the latest for: machine and switches are shared apart. */
function fieldsOf(record: { deploymentId: string; kind: BreakerTransitionKind }): string[] {
  switch (record.kind) {
    case 'ejected':
    case 'restored':
      return [`machine:${record.deploymentId}`];
    case 'switched':
      return [`switches:${record.deploymentId}`];
    case 'reset':
      return [`machine:${record.deploymentId}`, `switches:${record.deploymentId}`];
    default:
      return assertNever(record.kind);
  }
}

/** Reads a record leniently: anything malformed (another version, another writer) is ignored. */
function parseRecord(text: string): SharedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<Record<keyof SharedRecord, unknown>>;
  const kind = BREAKER_TRANSITION_KINDS.find((known) => known === record.kind);
  const breaker = record.breaker as Partial<BreakerJSON> | undefined;
  if (
    kind === undefined ||
    typeof record.from !== 'string' ||
    typeof record.deploymentId !== 'string' ||
    typeof record.at !== 'number' ||
    typeof breaker !== 'object' ||
    breaker === null ||
    breaker.version !== 2 ||
    typeof breaker.machine !== 'object'
  )
    return undefined;
  return {
    from: record.from,
    deploymentId: record.deploymentId,
    kind,
    at: record.at,
    breaker: breaker as BreakerJSON,
  };
}
