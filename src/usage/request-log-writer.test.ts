import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { RequestLogRow } from '../store/index.js';
import { buildRequestLogRow } from './build-request-log-row.js';
import { type DropReason, RequestLogWriter } from './request-log-writer.js';

function row(id: string): RequestLogRow {
  return buildRequestLogRow({
    id,
    startedAt: 1,
    endedAt: 2,
    key: null,
    surface: 'openai-chat',
    stream: false,
    requestedModel: 'm',
    attempts: [],
    status: 200,
    outcome: 'success',
  });
}

/** A store whose writes wait until released, recording each batch. */
function gatedStore() {
  const batches: string[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let failNext = false;
  return {
    batches,
    release: () => release(),
    close: () => {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    failNext: () => {
      failNext = true;
    },
    async insertRequestLogs(rows: readonly RequestLogRow[]) {
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      batches.push(rows.map((item) => item.id));
    },
  };
}

function writer(store: ReturnType<typeof gatedStore>, clock = new ManualClock(), queueLimit = 100) {
  const drops: Array<[number, DropReason]> = [];
  const warnings: Array<Record<string, unknown>> = [];
  const instance = new RequestLogWriter({
    store,
    clock,
    flushIntervalMs: 3_600_000,
    batchSize: 3,
    queueLimit,
    onDropped: (rows, reason) => drops.push([rows, reason]),
    warn: (_message, details) => warnings.push(details),
  });
  return { instance, drops, warnings };
}

describe('RequestLogWriter', () => {
  it('only queues on record, and writes in batches of batchSize on a later turn', async () => {
    const store = gatedStore();
    store.release();
    const { instance } = writer(store);
    for (const id of ['a', 'b', 'c', 'd']) instance.record(row(id));
    // Nothing reached the store within the request's own turn of the event loop.
    expect(store.batches).toEqual([]);
    expect(instance.pending).toBe(4);
    await instance.flush();
    expect(store.batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(instance.written).toBe(4);
    await instance.close();
  });

  it('drops rows beyond the bound while the store is stuck, counts them, and warns once per interval', async () => {
    const store = gatedStore();
    const clock = new ManualClock();
    const { instance, drops, warnings } = writer(store, clock, 5);
    for (let index = 0; index < 5; index += 1) instance.record(row(`r${index}`));
    const flushing = instance.flush();
    // The store holds the first batch (3 rows); 2 wait; room for 3 more, then the bound.
    for (let index = 5; index < 12; index += 1) instance.record(row(`r${index}`));
    expect(instance.pending).toBe(5);
    expect(drops).toEqual(Array(4).fill([1, 'queue_full']));
    expect(warnings).toHaveLength(1);
    clock.advance(10_000);
    instance.record(row('late'));
    expect(warnings.map((warning) => warning.dropped)).toEqual([1, 4]);
    store.release();
    await flushing;
    await instance.flush();
    expect(store.batches.flat()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    expect(instance.written + instance.dropped).toBe(13);
    await instance.close();
  });

  it('counts and reports a batch the store refused, and keeps writing the next ones', async () => {
    const store = gatedStore();
    store.release();
    const { instance, drops, warnings } = writer(store);
    store.failNext();
    for (const id of ['a', 'b', 'c', 'd']) instance.record(row(id));
    await instance.flush();
    expect(drops).toEqual([[3, 'store_error']]);
    expect(warnings[0]).toMatchObject({ reason: 'store_error', error: 'disk full', dropped: 3 });
    expect(store.batches).toEqual([['d']]);
    await instance.close();
  });

  it('writes what is queued on close, and counts rows recorded after it', async () => {
    const store = gatedStore();
    store.release();
    const { instance, drops } = writer(store);
    instance.record(row('a'));
    await instance.close();
    expect(store.batches).toEqual([['a']]);
    instance.record(row('late'));
    expect(drops).toEqual([[1, 'closed']]);
  });
});
