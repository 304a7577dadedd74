import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from '../../test/support/redis.js';
import { ManualClock } from '../core/index.js';
import { batchSourceOf, MAX_BATCH } from './redis-script-batcher.js';
import { luaScript, RedisState } from './redis-state.js';

// Runs against a real Redis (see redis-rate-limiter.test.ts), under a key prefix of its own.
const reachable = await requireRedis();

/** Adds ARGV[1] to KEYS[1] and answers the new value: the order calls ran in shows in the replies. */
const ADD = luaScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`);
/** Appends ARGV[1], tagged A or B, to the list KEYS[1]: two scripts whose interleaving shows. */
const PUSH_A = luaScript(`return redis.call('RPUSH', KEYS[1], 'A' .. ARGV[1])`);
const PUSH_B = luaScript(`return redis.call('RPUSH', KEYS[1], 'B' .. ARGV[1])`);
/** An error reply returned (not raised). */
const RETURNS_ERROR = luaScript(`return redis.error_reply('NOPE ' .. ARGV[1])`);
/** Answers nothing when ARGV[1] is 'none', else ARGV[1]. */
const ECHO_OR_NOTHING = luaScript(`if ARGV[1] == 'none' then return end
return ARGV[1]`);

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A connected RedisState and the script commands its connection sends (sha first argument). */
async function connected() {
  const prefix = uniquePrefix('batch');
  const state = new RedisState({ url: REDIS_TEST_URL, keyPrefix: prefix, clock: new ManualClock(0) });
  closing.push(async () => {
    await state.close();
    await deletePrefix(prefix);
  });
  if (!state.up) await once(state.client, 'ready');
  const sent: string[] = [];
  const send = state.client.sendCommand.bind(state.client);
  state.client.sendCommand = ((command, stream) => {
    // EVALSHA only: a wrapper's first run is an EVALSHA answered NOSCRIPT, then an EVAL of its source.
    if (command.name === 'evalsha') {
      const script = String(command.args[0]);
      if (!command.args.some((arg) => String(arg) === `${prefix}replicas`)) sent.push(script);
    }
    return send(command, stream);
  }) as typeof state.client.sendCommand;
  return { state, prefix, sent };
}

describe('batchSourceOf', () => {
  it('refuses a script with flags (a shebang line), which cannot run inside the wrapper', () => {
    expect(() => batchSourceOf(['return 1', '#!lua flags=no-writes\nreturn 1'])).toThrow(/flags/);
  });

  it('runs each source unchanged inside a function whose parameters are KEYS and ARGV', () => {
    const source = batchSourceOf(["return redis.call('GET', KEYS[1])", 'return 2']);
    expect(source).toContain(
      "local scripts = {\nfunction(KEYS, ARGV)\nreturn redis.call('GET', KEYS[1])\nend,\nfunction(KEYS, ARGV)\nreturn 2\nend\n}",
    );
    expect(source).toContain('pcall(scripts[which], keys, args)');
  });
});

describe.runIf(reachable)('ScriptBatcher (through RedisState.batched)', () => {
  it('sends the calls made in one turn as one script run and answers each its own reply, in order', async () => {
    const { state, prefix, sent } = await connected();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) => state.batched(ADD, [`${prefix}n`], [index + 1])),
    );
    // 1, 1+2, 1+2+3, …: each call saw the ones before it.
    expect(replies).toEqual(Array.from({ length: 20 }, (_, index) => ((index + 1) * (index + 2)) / 2));
    expect(sent).toEqual([state.batchScript.sha]);
    expect(state.batchedCalls).toBe(1);
  });

  it('loads the batch script on connect, so no batch waits for a NOSCRIPT round trip and runs out of order', async () => {
    // A script no run has used, so the batch script's SHA is new to this Redis until loaded.
    const unique = luaScript(`return '${process.pid}-${Date.now()}-${Math.random()}'`);
    const { state } = await connected();
    expect(state.batchScript.source).toContain(unique.source);
    // SCRIPT LOAD is sent on connect without waiting; settled by the time a command sent after it answers.
    await state.client.ping();
    expect(await state.client.script('EXISTS', state.batchScript.sha)).toEqual([1]);
    expect(state.batchScript.source).toContain(ADD.source);
    expect(state.batchScript.source).toContain(PUSH_B.source);
  });

  it('sends a lone call as the script itself', async () => {
    const { state, prefix, sent } = await connected();
    expect(await state.batched(ADD, [`${prefix}n`], [5])).toBe(5);
    expect(sent).toEqual([ADD.sha]);
  });

  it('queues the calls made while a batch is in flight and sends them as the next batch', async () => {
    const { state, prefix, sent } = await connected();
    const first = state.batched(ADD, [`${prefix}n`], [1]);
    // Let the lone call go, then make ten more while it is out.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    const later = Array.from({ length: 10 }, () => state.batched(ADD, [`${prefix}n`], [1]));
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sent).toEqual([ADD.sha, state.batchScript.sha]);
  });

  it('splits more calls than one run may take into runs of at most MAX_BATCH', async () => {
    const { state, prefix, sent } = await connected();
    const count = MAX_BATCH * 2 + 1;
    const replies = await Promise.all(
      Array.from({ length: count }, () => state.batched(ADD, [`${prefix}n`], [1])),
    );
    expect(new Set(replies).size).toBe(count);
    expect(Math.max(...(replies as number[]))).toBe(count);
    // Two full batches; the one call left over goes as itself.
    expect(sent).toEqual([state.batchScript.sha, state.batchScript.sha, ADD.sha]);
  });

  it('rejects only the call whose script raised an error; the others in its batch answer', async () => {
    const { state, prefix } = await connected();
    await state.client.hset(`${prefix}hash`, 'field', '1');
    const [before, broken, after] = await Promise.allSettled([
      state.batched(ADD, [`${prefix}n`], [1]),
      state.batched(ADD, [`${prefix}hash`], [1]),
      state.batched(ADD, [`${prefix}n`], [1]),
    ]);
    expect(before).toEqual({ status: 'fulfilled', value: 1 });
    expect(broken.status).toBe('rejected');
    expect(String((broken as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(after).toEqual({ status: 'fulfilled', value: 2 });
  });

  it('runs calls of different scripts in the order they were made', async () => {
    const { state, prefix } = await connected();
    const list = `${prefix}list`;
    await Promise.all([
      state.batched(PUSH_B, [list], [1]),
      state.batched(PUSH_A, [list], [2]),
      state.batched(PUSH_A, [list], [3]),
      state.batched(PUSH_B, [list], [4]),
    ]);
    expect(await state.client.lrange(list, 0, -1)).toEqual(['B1', 'A2', 'A3', 'B4']);
    // One script run for the four, two scripts and all.
    expect(state.batchedCalls).toBe(1);
  });

  it('fails a call whose script returns an error reply, as it would alone', async () => {
    const { state } = await connected();
    const [alone] = await Promise.allSettled([state.batched(RETURNS_ERROR, [], ['x'])]);
    const together = await Promise.allSettled([
      state.batched(RETURNS_ERROR, [], ['y']),
      state.batched(ECHO_OR_NOTHING, [], ['fine']),
      state.batched(RETURNS_ERROR, [], ['z']),
    ]);
    expect(alone?.status).toBe('rejected');
    expect(together.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(String((together[2] as PromiseRejectedResult).reason)).toMatch(/NOPE z/);
  });

  it('keeps replies aligned when a call answers nothing', async () => {
    const { state } = await connected();
    const replies = await Promise.all(
      ['a', 'none', 'c'].map((value) => state.batched(ECHO_OR_NOTHING, [], [value])),
    );
    expect(replies).toEqual(['a', null, 'c']);
  });

  it('runs a script Redis has not loaded (a flushed script cache) by its source', async () => {
    const { state, prefix } = await connected();
    // Made after connecting, so it was not loaded on connect.
    const fresh = luaScript(`return redis.call('INCRBY', KEYS[1], ARGV[1]) * 10`);
    const replies = await Promise.all([1, 2].map((n) => state.batched(fresh, [`${prefix}f`], [n])));
    expect(replies).toEqual([10, 30]);
  });

  it('settled() waits for every call made so far, so a read sent after it sees their writes', async () => {
    const { state, prefix } = await connected();
    void state.batched(ADD, [`${prefix}n`], [7]);
    void state.batched(ADD, [`${prefix}n`], [8]);
    await state.settled();
    expect(await state.client.get(`${prefix}n`)).toBe('15');
  });

  it('rejects every call when Redis cannot be reached', async () => {
    // A port nothing listens on: the connection never becomes ready and commands are not queued.
    const state = new RedisState({ url: 'redis://127.0.0.1:9', clock: new ManualClock(0) });
    closing.push(() => state.close());
    const results = await Promise.allSettled([
      state.batched(ADD, ['k'], [1]),
      state.batched(ADD, ['k'], [2]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
