import { afterEach, describe, expect, it } from 'vitest';
import { DetourError } from '../core/index.js';
import { type ClientKeyRecord, SqliteStore } from '../store/index.js';
import { generateClientKey } from './client-key.js';
import { KeyDirectory, type KeyDirectoryOptions } from './key-directory.js';

const NOW = 1_700_000_000_000;

/** The real store, counting its key lookups, with a lookup fault to switch on. */
class CountingStore extends SqliteStore {
  reads = 0;
  failReads = false;

  constructor() {
    super({ path: ':memory:' });
  }

  override async findClientKeyByHash(hash: string): Promise<ClientKeyRecord | undefined> {
    this.reads += 1;
    if (this.failReads) throw new Error('store unreachable');
    return super.findClientKeyByHash(hash);
  }
}

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function setUp(
  options: Omit<KeyDirectoryOptions, 'store'> = {},
  changes: Partial<ClientKeyRecord> = {},
) {
  const store = new CountingStore();
  stores.push(store);
  const generated = generateClientKey();
  const record: ClientKeyRecord = {
    id: 'key_a',
    name: 'team-search',
    prefix: generated.prefix,
    hash: generated.hash,
    createdAt: NOW - 1_000,
    scopes: { models: [] },
    metadata: {},
    ...changes,
  };
  await store.insertClientKey(record);
  return { store, keys: new KeyDirectory({ store, ...options }), secret: generated.secret, record };
}

/** The 401 an authentication throws. */
async function refusal(promise: Promise<unknown>): Promise<DetourError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DetourError);
  const detour = error as DetourError;
  expect(detour.status).toBe(401);
  expect(detour.code).toBe('unauthorized');
  expect(detour.failureClass).toBe('auth');
  return detour;
}

describe('KeyDirectory.authenticate', () => {
  it('finds the live key a secret belongs to', async () => {
    const { keys, secret, record } = await setUp();
    expect(await keys.authenticate(secret, NOW)).toEqual(record);
  });

  it('refuses a request that presents no key, saying how to send one', async () => {
    const { keys, store } = await setUp();
    const error = await refusal(keys.authenticate(undefined, NOW));
    expect(error.message).toBe(
      'missing API key: send it as `Authorization: Bearer <key>` or in the `x-api-key` header',
    );
    expect(store.reads).toBe(0);
  });

  it('refuses an unknown key without echoing it', async () => {
    const { keys } = await setUp();
    const unknown = generateClientKey().secret;
    const error = await refusal(keys.authenticate(unknown, NOW));
    expect(error.message).toBe('invalid API key');
    expect(error.message).not.toContain(unknown.slice(4, 12));
  });

  it('refuses a revoked key from the moment of revocation', async () => {
    const { keys, secret } = await setUp({}, { revokedAt: NOW });
    expect((await keys.authenticate(secret, NOW - 1)).id).toBe('key_a');
    const error = await refusal(keys.authenticate(secret, NOW));
    expect(error.message).toBe('this API key has been revoked');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(secret.slice(0, 12));
  });

  it('refuses an expired key from the moment it expires', async () => {
    const { keys, secret } = await setUp({}, { expiresAt: NOW });
    expect((await keys.authenticate(secret, NOW - 1)).id).toBe('key_a');
    const error = await refusal(keys.authenticate(secret, NOW));
    expect(error.message).toBe('this API key has expired');
    expect(error.message).not.toContain(secret.slice(0, 12));
  });

  it('serves a key from memory within the cache time, then reads it again', async () => {
    const { keys, store, secret } = await setUp({ cacheTtlMs: 1_000 });
    await keys.authenticate(secret, NOW);
    await keys.authenticate(secret, NOW + 500);
    await keys.authenticate(secret, NOW + 999);
    expect(store.reads).toBe(1);
    await keys.authenticate(secret, NOW + 1_000);
    expect(store.reads).toBe(2);
    await keys.authenticate(secret, NOW + 1_999);
    expect(store.reads).toBe(2);
  });

  it('trusts a key for one second by default', async () => {
    const { keys, store, secret } = await setUp();
    await keys.authenticate(secret, NOW);
    await keys.authenticate(secret, NOW + 999);
    expect(store.reads).toBe(1);
    await keys.authenticate(secret, NOW + 1_000);
    expect(store.reads).toBe(2);
  });

  it('sees a revocation made elsewhere once the cache time is over', async () => {
    const { keys, store, secret } = await setUp();
    await keys.authenticate(secret, NOW);
    await store.updateClientKey('key_a', { revokedAt: NOW + 100 });
    expect((await keys.authenticate(secret, NOW + 200)).id).toBe('key_a');
    await refusal(keys.authenticate(secret, NOW + 1_000));
  });

  it('does not cache an unknown key', async () => {
    const { keys, store } = await setUp();
    const unknown = generateClientKey().secret;
    await refusal(keys.authenticate(unknown, NOW));
    await refusal(keys.authenticate(unknown, NOW));
    expect(store.reads).toBe(2);
  });

  it('shares one store read between concurrent first lookups of a key', async () => {
    const { keys, store, secret } = await setUp();
    const found = await Promise.all([
      keys.authenticate(secret, NOW),
      keys.authenticate(secret, NOW),
      keys.authenticate(secret, NOW),
    ]);
    expect(found.map((key) => key.id)).toEqual(['key_a', 'key_a', 'key_a']);
    expect(store.reads).toBe(1);
  });

  it('forgets everything when the cache is full', async () => {
    const { keys, store, secret } = await setUp({ maxEntries: 2 });
    const others = [generateClientKey(), generateClientKey()];
    for (const [index, other] of others.entries()) {
      await store.insertClientKey({
        id: `key_${index}`,
        name: `other-${index}`,
        prefix: other.prefix,
        hash: other.hash,
        createdAt: NOW,
        scopes: { models: [] },
        metadata: {},
      });
    }
    await keys.authenticate(secret, NOW);
    await keys.authenticate(others[0]?.secret, NOW);
    await keys.authenticate(secret, NOW);
    expect(store.reads).toBe(2);
    // A third key does not fit: the cache starts over with it alone.
    await keys.authenticate(others[1]?.secret, NOW);
    await keys.authenticate(others[1]?.secret, NOW);
    expect(store.reads).toBe(3);
    await keys.authenticate(secret, NOW);
    expect(store.reads).toBe(4);
  });

  it('keeps serving a key it knows when the store cannot answer', async () => {
    const { keys, store, secret } = await setUp();
    await keys.authenticate(secret, NOW);
    store.failReads = true;
    expect((await keys.authenticate(secret, NOW + 5_000)).id).toBe('key_a');
    expect(store.reads).toBe(2);
    // Each lookup past the cache time tries the store again.
    expect((await keys.authenticate(secret, NOW + 6_000)).id).toBe('key_a');
    expect(store.reads).toBe(3);
  });

  it('still refuses a known key that expired while the store cannot answer', async () => {
    const { keys, store, secret } = await setUp({}, { expiresAt: NOW + 3_000 });
    await keys.authenticate(secret, NOW);
    store.failReads = true;
    await refusal(keys.authenticate(secret, NOW + 5_000));
  });

  it('passes the store’s failure on for a key it does not know', async () => {
    const { keys, store, secret } = await setUp();
    store.failReads = true;
    await expect(keys.authenticate(secret, NOW)).rejects.toThrow('store unreachable');
    store.failReads = false;
    expect((await keys.authenticate(secret, NOW)).id).toBe('key_a');
    expect(store.reads).toBe(2);
  });
});

describe('KeyDirectory.invalidate', () => {
  it('drops a key at once, so a revocation here takes effect on the next request', async () => {
    const { keys, store, secret } = await setUp();
    await keys.authenticate(secret, NOW);
    await store.updateClientKey('key_a', { revokedAt: NOW + 1 });
    keys.invalidate('key_a');
    const error = await refusal(keys.authenticate(secret, NOW + 2));
    expect(error.message).toBe('this API key has been revoked');
    expect(store.reads).toBe(2);
  });

  it('leaves other keys cached', async () => {
    const { keys, store, secret } = await setUp();
    await keys.authenticate(secret, NOW);
    keys.invalidate('key_other');
    await keys.authenticate(secret, NOW + 1);
    expect(store.reads).toBe(1);
  });
});
