import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
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

/** A TCP relay to Redis that can be cut (every connection dropped, nothing accepted) and restored. */
export class RedisRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const target = new URL(REDIS_TEST_URL);
    const server = createServer((client) => {
      const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
