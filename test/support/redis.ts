import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireService } from './requires-service.js';

/** The Redis tests use; every test writes under a key prefix of its own there. */
export const REDIS_TEST_URL = process.env.DETOUR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when Redis answers (see {@link requireService}: in CI, a failure instead of false). */
export function requireRedis(): Promise<boolean> {
  const url = new URL(REDIS_TEST_URL);
  return requireService({
    name: 'Redis',
    host: url.hostname,
    port: Number(url.port || 6379),
    howToRun: `start Redis on ${url.hostname}:${url.port || 6379} (or set DETOUR_TEST_REDIS_URL)`,
  });
}

/** A key prefix no other test run uses. */
export function uniquePrefix(label: string): string {
  return `detour-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (what a flushed or restarted Redis would have lost). */
export async function deletePrefix(prefix: string): Promise<number> {
  // Fails at once rather than retrying when Redis is away.
  const client = new Redis(REDIS_TEST_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
