import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../core/index.js';
import { ScriptBatcher, type ScriptText } from './redis-script-batcher.js';

/** A Lua script's source and SHA-1, run by EVALSHA (EVAL once when Redis does not know it yet). */
export type LuaScript = ScriptText;

/** Every script made by {@link luaScript}, loaded on each connect. */
const SCRIPTS: LuaScript[] = [];

/** Prepares a script for {@link RedisState.run} and {@link RedisState.batched}. */
export function luaScript(source: string): LuaScript {
  const script = { source, sha: createHash('sha1').update(source).digest('hex') };
  SCRIPTS.push(script);
  return script;
}

/** Options of {@link RedisState}. */
export interface RedisStateOptions {
  /** `redis://` URL. */
  url: string;
  /** Prefix of every key written; default `detour:`. */
  keyPrefix?: string;
  clock: Clock;
  /** This replica's id in the heartbeat set; random by default. */
  replicaId?: string;
  /** How often this replica says it is alive; default 5 s. A replica unseen for 3 beats is gone. */
  heartbeatMs?: number;
  /** A command that takes longer than this fails and the caller falls back to local state; default 500 ms. */
  commandTimeoutMs?: number;
  /** Shared state became reachable (true) or unreachable (false). */
  onChange?: (up: boolean) => void;
}

const HEARTBEAT = luaScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
`);

/**
 * One connection to the Redis that replicas share (DESIGN.md section 9), and whether it can be
 * used now. Commands are never queued while Redis is away: a caller that cannot reach it at once
 * falls back to its local view, so nothing waits or fails because Redis did.
 */
export class RedisState {
  readonly client: Redis;
  readonly prefix: string;
  private replicaCount = 1;
  /** Undefined until the first connect or failure, so the first state is announced too. */
  private wasUp: boolean | undefined;
  private closing = false;
  private readonly timer: NodeJS.Timeout;
  /** This replica's id in the heartbeat set `<prefix>replicas`. */
  readonly replicaId: string;
  private readonly heartbeatMs: number;
  private readonly batcher = new ScriptBatcher(
    (script, keys, args) => this.run(script, keys, args),
    () => SCRIPTS,
  );

  constructor(private readonly options: RedisStateOptions) {
    this.prefix = options.keyPrefix ?? 'detour:';
    this.replicaId = options.replicaId ?? randomBytes(8).toString('hex');
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      // Keep trying in the background, at most every 2 s, so Redis is used again once it is back.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    });
    // Without a listener ioredis reports every failed reconnect as an unhandled error.
    this.client.on('error', () => this.changed(false));
    this.client.on('close', () => this.changed(false));
    this.client.on('ready', () => {
      // Loaded before anything else is sent: a script first run by EVAL after a NOSCRIPT would
      // run after commands sent later on the same connection, out of order.
      for (const script of [...SCRIPTS, this.batcher.wrapper])
        this.client.script('LOAD', script.source).catch(() => undefined);
      this.changed(true);
      void this.heartbeat();
    });
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Whether commands can be sent now. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** Replicas seen alive in the last three heartbeats (at least this one); kept while Redis is away. */
  get replicas(): number {
    return this.replicaCount;
  }

  /** The script every batch of this process's scripts runs as (loaded on connect). */
  get batchScript(): LuaScript {
    return this.batcher.wrapper;
  }

  /** Script calls sent by {@link batched}, a batch counting once. */
  get batchedCalls(): number {
    return this.batcher.sent;
  }

  /**
   * Runs a script as {@link run} does, but sent together with the calls made around it in one
   * script run (redis-script-batcher.ts): what the request path uses, so that a busy replica pays
   * one round trip for many requests. Each caller still gets its own reply, or its own error.
   */
  batched(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.batcher.call(script, keys, args);
  }

  /**
   * Resolves once every {@link batched} call made so far has been answered: a read sent after it
   * sees this replica's own writes, such as a settlement sent without waiting.
   */
  settled(): Promise<void> {
    return this.batcher.settled();
  }

  /** Runs a script by its SHA, loading it on Redis's `NOSCRIPT` (a restarted or flushed Redis). */
  async run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  /** Says this replica is alive and counts the others. */
  async heartbeat(): Promise<void> {
    if (!this.up) return;
    const now = this.options.clock.now();
    try {
      const count = await this.run(
        HEARTBEAT,
        [`${this.prefix}replicas`],
        [now, this.replicaId, now - 3 * this.heartbeatMs, 6 * this.heartbeatMs],
      );
      if (typeof count === 'number' && count > 0) this.replicaCount = count;
    } catch {
      // The next beat tries again; until then the last count stands.
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // A connection closed on purpose is not Redis going away: nothing to announce.
    this.closing = true;
    if (this.up) {
      // Settlements sent without waiting are not dropped by the disconnect.
      await this.settled();
      try {
        await this.client.zrem(`${this.prefix}replicas`, this.replicaId);
      } catch {
        // Leaving the set is a courtesy; the others drop this replica after three beats anyway.
      }
    }
    this.client.disconnect();
  }

  private changed(up: boolean): void {
    if (this.closing || up === this.wasUp) return;
    this.wasUp = up;
    this.options.onChange?.(up);
  }
}
