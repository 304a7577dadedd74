import { describe, expect, it } from 'vitest';
import {
  dropSchema,
  onTestDatabase,
  POSTGRES_TEST_URL,
  requirePostgres,
  uniqueSchema,
} from '../../test/support/postgres.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
import { runStoreContract } from './store-contract.js';

// Runs against a real PostgreSQL (database `test` on 127.0.0.1:5432 unless DETOUR_TEST_POSTGRES_URL
// says otherwise), every store in a schema of its own so runs never collide. Without a server the
// tests skip with a message, except in CI, where they fail.
const reachable = await requirePostgres();

/** A store in a fresh schema, which is dropped with everything in it when the store closes. */
async function openTestStore(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  const schema = uniqueSchema('store');
  const store = await PostgresStore.open({ url: POSTGRES_TEST_URL, schema, ...options });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return store;
}

async function appliedVersions(schema: string): Promise<number[]> {
  return onTestDatabase(async (client) => {
    const result = await client.query(
      `SELECT version FROM ${schema}.detour_schema_migrations ORDER BY version`,
    );
    return result.rows.map((row) => Number(row.version));
  });
}

describe.runIf(reachable)('PostgresStore', () => {
  runStoreContract('PostgresStore', () => openTestStore());

  it('applies its migrations once when several replicas open one schema at the same moment', async () => {
    const schema = uniqueSchema('migrate');
    try {
      const replicas = await Promise.all(
        Array.from({ length: 4 }, () => PostgresStore.open({ url: POSTGRES_TEST_URL, schema, poolSize: 2 })),
      );
      const last = POSTGRES_MIGRATIONS.at(-1)?.version;
      expect(replicas.map((store) => store.schemaVersion)).toEqual([last, last, last, last]);
      expect(await appliedVersions(schema)).toEqual(
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
      await Promise.all(replicas.map((store) => store.close()));
      // Reopening finds everything applied and applies nothing again.
      const reopened = await PostgresStore.open({ url: POSTGRES_TEST_URL, schema });
      expect(reopened.schemaVersion).toBe(last);
      await reopened.close();
      expect(await appliedVersions(schema)).toEqual(
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
    } finally {
      await dropSchema(schema);
    }
  });

  it('hands each delivery of a shared outbox to one replica while several claim at once', async () => {
    const schema = uniqueSchema('outbox');
    const replicas = await Promise.all(
      [0, 1, 2].map(() => PostgresStore.open({ url: POSTGRES_TEST_URL, schema, poolSize: 4 })),
    );
    try {
      const enqueued: string[] = [];
      for (let index = 0; index < 120; index += 1) {
        const delivery = await replicas[index % 3]!.enqueueDelivery({
          url: 'http://127.0.0.1:1/hook',
          event: { n: index },
          now: 1_000 + index,
        });
        enqueued.push(delivery.id);
      }
      const claimed: string[] = [];
      // Every replica claims small rounds, four at a time, until none finds anything due.
      await Promise.all(
        replicas.flatMap((store) =>
          [0, 1, 2, 3].map(async () => {
            for (;;) {
              const due = await store.dueDeliveries(5_000, 7, 60_000);
              if (due.length === 0) return;
              claimed.push(...due.map((delivery) => delivery.id));
            }
          }),
        ),
      );
      expect(claimed).toHaveLength(enqueued.length);
      expect(claimed.sort()).toEqual([...enqueued].sort());
    } finally {
      await Promise.all(replicas.map((store) => store.close()));
      await dropSchema(schema);
    }
  });

  it('keeps the outbox, incidents and buffered samples across a close and reopen', async () => {
    const schema = uniqueSchema('restart');
    try {
      const before = await PostgresStore.open({ url: POSTGRES_TEST_URL, schema, flushIntervalMs: 3_600_000 });
      const delivery = await before.enqueueDelivery({
        url: 'http://127.0.0.1:9/hook',
        event: { type: 'e' },
        now: 1,
      });
      before.recordSamples([{ component: 'm', minute: 0, status: 'major_outage' }]);
      await before.close();
      const after = await PostgresStore.open({ url: POSTGRES_TEST_URL, schema });
      expect((await after.dueDeliveries(2, 10)).map((item) => item.id)).toEqual([delivery.id]);
      expect((await after.dailyUptime('m', 1, 0))[0]?.minutes).toEqual({ major_outage: 1 });
      await after.close();
    } finally {
      await dropSchema(schema);
    }
  });

  it('writes buffered samples on its timer, without a flush', async () => {
    const schema = uniqueSchema('timer');
    const store = await PostgresStore.open({ url: POSTGRES_TEST_URL, schema, flushIntervalMs: 20 });
    try {
      store.recordSamples([{ component: 'm', minute: 60_000, status: 'partial_outage' }]);
      const written = () =>
        onTestDatabase(async (client) => {
          const found = await client.query(`SELECT status FROM ${schema}.component_samples`);
          return found.rows.map((row) => row.status);
        });
      await expect.poll(written).toEqual(['partial_outage']);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    await expect(PostgresStore.open({ url: POSTGRES_TEST_URL, schema: 'x; DROP TABLE y' })).rejects.toThrow(
      RangeError,
    );
  });
});
