import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { runStoreContract } from './store-contract.js';

const folder = mkdtempSync(join(tmpdir(), 'detour-store-'));
let files = 0;

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

runStoreContract('SqliteStore (file, WAL)', () => {
  files += 1;
  return new SqliteStore({ path: join(folder, `contract-${files}.db`) });
});
runStoreContract('SqliteStore (:memory:)', () => new SqliteStore({ path: ':memory:' }));

describe('SqliteStore', () => {
  it('applies every migration at open, in WAL mode, and opens an existing file without reapplying', async () => {
    const path = join(folder, 'migrations.db');
    const store = new SqliteStore({ path });
    expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
    await store.close();
    const reopened = new SqliteStore({ path });
    expect(reopened.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
    await reopened.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps the outbox, incidents and buffered samples across a close and reopen', async () => {
    const path = join(folder, 'restart.db');
    const before = new SqliteStore({ path, flushIntervalMs: 3_600_000 });
    const delivery = await before.enqueueDelivery({
      url: 'http://127.0.0.1:9/hook',
      event: { type: 'e' },
      now: 1,
    });
    before.recordSamples([{ component: 'm', minute: 0, status: 'major_outage' }]);
    await before.close();
    const after = new SqliteStore({ path });
    expect((await after.dueDeliveries(2, 10)).map((item) => item.id)).toEqual([delivery.id]);
    expect((await after.dailyUptime('m', 1, 0))[0]?.minutes).toEqual({ major_outage: 1 });
    await after.close();
  });
});
