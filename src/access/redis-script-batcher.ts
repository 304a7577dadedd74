import { createHash } from 'node:crypto';

/**
 * Group commit for Lua script calls: the calls many callers make go to Redis as one call of a
 * wrapper script that runs each in turn, in the order they were made, inside one atomic script
 * run, and answers each caller its own reply (DESIGN.md section 9; BENCHMARKS.md, "Replicas").
 *
 * Why: on the request path every Redis command costs this process a socket write, a read and
 * ioredis's command bookkeeping, which measured as much as the rest of a request's handling. The
 * calls that arrive together are sent together: when nothing is in flight a call waits only for
 * the end of the current event-loop turn (setImmediate: the other requests read in the same turn
 * join it); while a batch is in flight, calls queue and go as the next batch when it answers (or
 * after MAX_WAIT_MS, if it is slow). A lone call adds no latency; under load, batches grow with it.
 */

/** A Lua script's source and SHA-1 (see redis-state.ts). */
export interface ScriptText {
  readonly source: string;
  readonly sha: string;
}

/** Sends one script call; the real one is RedisState.run. */
export type RunScript = (
  script: ScriptText,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/** At most this many calls in one script run: one run blocks Redis while it lasts. */
export const MAX_BATCH = 128;

/** Calls queued behind a batch still out after this long are sent anyway (ms). */
const MAX_WAIT_MS = 20;

/**
 * The wrapper around the sources of the scripts a batch calls, each as a function whose
 * parameters shadow KEYS and ARGV, so each source runs unchanged. ARGV[1] is the number of calls;
 * each call then brings its script's index in `sources` (from 1), its key count and argument
 * count, then its arguments; KEYS holds every call's keys in order. A call that raises an error
 * (redis.call on a key of the wrong type) answers {0, message} and the others still run; a call
 * that returns nothing answers false, so the reply array has no hole.
 */
export function batchSourceOf(sources: readonly string[]): string {
  // A shebang line (script flags) is only valid as a script's first line, not inside the wrapper.
  if (sources.some((source) => source.trimStart().startsWith('#!')))
    throw new Error('batchSourceOf: a script with flags cannot be batched');
  const functions = sources.map((source) => `function(KEYS, ARGV)\n${source}\nend`).join(',\n');
  return `local scripts = {
${functions}
}
local replies, k, a = {}, 0, 1
for i = 1, tonumber(ARGV[1]) do
  local which, nk, na = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 3
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do args[j] = ARGV[a + j] end
  k, a = k + nk, a + na
  local ok, reply = pcall(scripts[which], keys, args)
  if ok then
    if reply == nil then reply = false end
    replies[i] = { 1, reply }
  else
    if type(reply) == 'table' and reply.err then reply = reply.err end
    replies[i] = { 0, tostring(reply) }
  end
end
return replies
`;
}

/** A wrapper script and where each of its scripts sits in it (from 1). */
interface Wrapper {
  text: ScriptText;
  index: Map<ScriptText, number>;
}

function wrapperOf(scripts: readonly ScriptText[]): Wrapper {
  const source = batchSourceOf(scripts.map((script) => script.source));
  return {
    text: { source, sha: createHash('sha1').update(source).digest('hex') },
    index: new Map(scripts.map((script, position) => [script, position + 1])),
  };
}

/** Wrappers for scripts outside the registry (tests), per set of scripts in SHA order. */
const strayWrappers = new Map<string, Wrapper>();

interface QueuedCall {
  script: ScriptText;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve: (reply: unknown) => void;
  reject: (error: unknown) => void;
}

/** Queues script calls and sends them in batches; see the file's comment. */
export class ScriptBatcher {
  private queue: QueuedCall[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Every call not yet answered, for {@link settled}. */
  private readonly outstanding = new Set<Promise<unknown>>();
  /** Script calls sent to Redis, batches and lone calls alike (for tests and diagnosis). */
  sent = 0;

  /** The wrapper of every registered script, and how many there were when it was made. */
  private registered: { count: number; wrapper: Wrapper } | undefined;

  /**
   * `registry` lists the scripts known up front (RedisState's, all made at import time): batches
   * of them run as one wrapper holding them all, which the caller loads on connect
   * ({@link wrapper}). A wrapper first run by EVAL after a NOSCRIPT would run after commands sent
   * later on the same connection, out of order.
   */
  constructor(
    private readonly run: RunScript,
    private readonly registry: () => readonly ScriptText[] = () => [],
  ) {}

  /** The wrapper every batch of registered scripts runs as: load it on connect. */
  get wrapper(): ScriptText {
    return this.registeredWrapper().text;
  }

  /** Runs `script` with `keys` and `args`, in a batch with the calls made around it. */
  call(script: ScriptText, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const reply = new Promise((resolve, reject) => {
      this.queue.push({ script, keys, args, resolve, reject });
      if (this.inFlight === 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
    this.outstanding.add(reply);
    const forget = () => this.outstanding.delete(reply);
    reply.then(forget, forget);
    return reply;
  }

  /**
   * Resolves once every call made so far has been answered (or has failed): a command sent apart
   * after this, on the same connection, sees their writes. Calls made later are not waited for.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.outstanding]);
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const queued = this.queue;
    this.queue = [];
    // The batches go in the order the calls were made and Redis runs one connection's commands in
    // the order they were written, so no call overtakes an earlier one (a settlement made before a
    // reservation of the same key runs first).
    for (let start = 0; start < queued.length; start += MAX_BATCH)
      this.send(queued.slice(start, start + MAX_BATCH));
  }

  private send(calls: QueuedCall[]): void {
    if (calls.length === 0) return;
    this.inFlight += 1;
    this.sent += 1;
    // Calls made meanwhile wait for this batch, but not for long: a slow Redis must not hold them
    // back beyond MAX_WAIT_MS before their own command (and its timeout) even starts.
    const impatience = setTimeout(() => this.flush(), MAX_WAIT_MS);
    impatience.unref();
    const done = calls.length === 1 ? this.sendAlone(calls[0] as QueuedCall) : this.sendBatch(calls);
    // Neither rejects (`answer` cannot throw): this chain never rejects.
    void done.then(() => {
      clearTimeout(impatience);
      this.inFlight -= 1;
      // The calls that queued meanwhile go now, as the next batch.
      if (this.inFlight === 0) this.flush();
    });
  }

  private sendBatch(calls: QueuedCall[]): Promise<void> {
    const wrapper = this.wrapperFor(calls.map((call) => call.script));
    const args: (string | number)[] = [calls.length];
    for (const call of calls)
      args.push(wrapper.index.get(call.script) ?? 0, call.keys.length, call.args.length, ...call.args);
    return this.run(
      wrapper.text,
      calls.flatMap((call) => call.keys),
      args,
    ).then(
      (reply) => answer(calls, reply),
      (error: unknown) => rejectAll(calls, error),
    );
  }

  private registeredWrapper(): Wrapper {
    const scripts = this.registry();
    // The registry only grows: a wrapper of as many scripts is the wrapper of all of them.
    if (this.registered?.count !== scripts.length)
      this.registered = { count: scripts.length, wrapper: wrapperOf(scripts) };
    return this.registered.wrapper;
  }

  private wrapperFor(scripts: readonly ScriptText[]): Wrapper {
    const all = this.registeredWrapper();
    if (scripts.every((script) => all.index.has(script))) return all;
    // A script made outside the registry: a wrapper of its own set, first run by EVAL.
    const set = [...new Set(scripts)].sort((left, right) => (left.sha < right.sha ? -1 : 1));
    const name = set.map((script) => script.sha).join(',');
    let wrapper = strayWrappers.get(name);
    if (wrapper === undefined) {
      wrapper = wrapperOf(set);
      strayWrappers.set(name, wrapper);
    }
    return wrapper;
  }

  /** A lone call goes as itself. */
  private sendAlone(call: QueuedCall): Promise<void> {
    return this.run(call.script, call.keys, call.args).then(call.resolve, call.reject);
  }
}

function rejectAll(calls: readonly QueuedCall[], error: unknown): void {
  for (const call of calls) call.reject(error);
}

/**
 * Hands each caller its own reply from the wrapper's array of {ok, reply}. Never throws: a reply
 * of another shape fails every call instead. A call whose script returned an error reply fails,
 * as it would have alone.
 */
function answer(calls: readonly QueuedCall[], reply: unknown): void {
  const wellFormed =
    Array.isArray(reply) &&
    reply.length === calls.length &&
    reply.every((item) => Array.isArray(item) && item.length >= 1 && (item[0] === 0 || item[0] === 1));
  if (!wellFormed) {
    rejectAll(calls, new Error('batched script: unexpected reply'));
    return;
  }
  calls.forEach((call, index) => {
    const [ok, value] = reply[index] as [number, unknown];
    if (ok === 1 && !(value instanceof Error)) call.resolve(value ?? null);
    else call.reject(value instanceof Error ? value : new Error(`batched script: ${String(value)}`));
  });
}
