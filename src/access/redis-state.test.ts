import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from '../../test/support/redis.js';
import { ManualClock } from '../core/index.js';
import { luaScript, RedisState } from './redis-state.js';

// Real Redis, a key prefix per test (deleted afterwards); skips with a message without Redis,
// except in CI, where it fails.
const reachable = await requireRedis();

const T0 = 1_700_000_000_000;
const HEARTBEAT_MS = 5_000;
const opened: RedisState[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

async function replica(prefix: string, replicaId: string, clock: ManualClock): Promise<RedisState> {
  const state = new RedisState({
    url: REDIS_TEST_URL,
    keyPrefix: prefix,
    clock,
    replicaId,
    heartbeatMs: HEARTBEAT_MS,
  });
  opened.push(state);
  if (!state.up) await once(state.client, 'ready');
  return state;
}

describe.runIf(reachable)('RedisState', () => {
  it('runs a script Redis has never seen by its source, and passes any other error on', async () => {
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    const state = await replica(prefix, 'r1', new ManualClock(T0));
    // A comment no other script has: its SHA is certainly not in Redis's script cache.
    const fresh = luaScript(`-- ${randomUUID()}\nreturn ARGV[1] .. KEYS[1]`);
    expect(await state.run(fresh, ['k'], ['v'])).toBe('vk');
    // A loaded script that fails after a write: the error comes back, and it ran once, not again by source.
    const failing = luaScript(
      `-- ${randomUUID()}\nredis.call('INCR', KEYS[1])\nreturn redis.error_reply('BOOM it failed')`,
    );
    await state.client.script('LOAD', failing.source);
    const counter = `${prefix}runs`;
    await expect(state.run(failing, [counter], [])).rejects.toThrow('BOOM it failed');
    expect(await state.client.get(counter)).toBe('1');
  });

  it('counts the replicas that beat within three heartbeats, and forgets one that closed', async () => {
    const prefix = uniquePrefix('state');
    prefixes.push(prefix);
    const clock = new ManualClock(T0);
    const [first, second, third] = [
      await replica(prefix, 'r1', clock),
      await replica(prefix, 'r2', clock),
      await replica(prefix, 'r3', clock),
    ];
    await first.heartbeat();
    await second.heartbeat();
    await third.heartbeat();
    await first.heartbeat();
    expect(first.replicas).toBe(3);
    // The second and third fall silent: at exactly three beats they still count, a moment later not.
    clock.advance(3 * HEARTBEAT_MS);
    await third.heartbeat();
    await first.heartbeat();
    expect(first.replicas).toBe(3);
    clock.advance(1);
    await first.heartbeat();
    expect(first.replicas).toBe(2);
    await third.close();
    opened.splice(opened.indexOf(third), 1);
    await first.heartbeat();
    expect(first.replicas).toBe(1);
    // The set expires once every replica is gone for six beats.
    const ttl = await first.client.pttl(`${prefix}replicas`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(6 * HEARTBEAT_MS);
  });
});
