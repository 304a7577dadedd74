import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { SqliteStore } from '../store/index.js';
import { buildRequestLogRow } from './build-request-log-row.js';
import { RetentionSweeper } from './retention-sweeper.js';

const DAY = 86_400_000;

describe('RetentionSweeper', () => {
  it('deletes rows older than the retention period as the clock moves, and only those', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31));
    const store = new SqliteStore({ path: ':memory:' });
    const at = (id: string, time: number) =>
      buildRequestLogRow({
        id,
        startedAt: time,
        endedAt: time + 5,
        key: null,
        surface: 'openai-chat',
        stream: false,
        requestedModel: 'm',
        attempts: [],
        status: 200,
        outcome: 'success',
      });
    const now = clock.now();
    await store.insertRequestLogs([
      at('40-days', now - 40 * DAY),
      at('30-days-and-1ms', now - 30 * DAY - 1),
      at('29-days', now - 29 * DAY),
      at('today', now),
    ]);
    const sweeper = new RetentionSweeper({ store, clock, retentionMs: 30 * DAY });
    expect(await sweeper.sweep()).toBe(2);
    const ids = async () => (await store.listRequestLogs({})).rows.map((row) => row.id);
    expect(await ids()).toEqual(['today', '29-days']);
    clock.advance(DAY + 1);
    expect(await sweeper.sweep()).toBe(1);
    expect(await ids()).toEqual(['today']);
    await sweeper.stop();
    await store.close();
  });

  it('deletes canary results older than the retention period in the same sweep', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31));
    const store = new SqliteStore({ path: ':memory:' });
    const now = clock.now();
    const result = (at: number) => ({
      deployment: 'a/up-m',
      model: 'm',
      provider: 'a',
      suite: 'arithmetic',
      caseId: 'arith-1',
      at,
      pass: true,
      detail: 'ok',
      latencyMs: 1,
      costUsd: 0,
    });
    await store.recordCanaryResults([result(now - 31 * DAY), result(now - 29 * DAY), result(now)]);
    const sweeper = new RetentionSweeper({ store, clock, retentionMs: 30 * DAY });
    await sweeper.sweep();
    expect((await store.listCanaryResults({})).map((row) => row.at)).toEqual([now, now - 29 * DAY]);

    // A retention shorter than the month keeps this month's canary results (the monthly cap is
    // rebuilt from them) and deletes only older ones (regression: day 5's spend was forgotten).
    const short = new RetentionSweeper({ store, clock, retentionMs: 7 * DAY });
    await store.recordCanaryResults([result(Date.UTC(2026, 0, 5)), result(Date.UTC(2025, 11, 20))]);
    await short.sweep();
    expect((await store.listCanaryResults({})).map((row) => row.at)).toEqual([
      now,
      Date.UTC(2026, 0, 5),
      now - 29 * DAY,
    ]);
    await store.close();
  });
});
