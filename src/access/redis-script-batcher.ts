/**
 * Group commit for Lua script calls: many callers' calls of the same script go to Redis as one call
 * of a wrapper script that runs each in turn, inside one atomic script run, and answers each
 * caller its own reply (DESIGN.md section 9; BENCHMARKS.md, "Replicas", for what it saves).
 *
 * Why: on the request path every Redis command costs this process a socket write, a read and
 * ioredis's command bookkeeping, which measured as much as the rest of a request's handling. The
 * calls that arrive together are sent together: when nothing is in flight a call waits only for
 * the end of the current event-loop turn (setImmediate: the other requests read in the same turn
 * join it); while a batch is in flight, calls queue and go as the next batch when it answers. A
 * lone call adds no latency; under load, the batches grow with it.
 */

/** A Lua script with its SHA-1 (see redis-state.ts). */
export interface BatchableScript {
  readonly source: string;
  readonly sha: string;
  /** The same script wrapped to run a batch of calls; undefined for a script that is never batched. */
  readonly batch?: { readonly source: string; readonly sha: string };
}

/** Sends one script call; the real one is RedisState.run. */
export type RunScript = (
  script: { readonly source: string; readonly sha: string },
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/** At most this many calls in one script run: one run blocks Redis while it lasts. */
export const MAX_BATCH = 128;

/** Calls queued behind a batch still out after this long are sent anyway (ms). */
const MAX_WAIT_MS = 20;

/**
 * The wrapper around a script's source. ARGV[1] is the number of calls; each call then brings its
 * key count and argument count, then its arguments; KEYS holds every call's keys in order. Each
 * call runs in a function whose parameters shadow KEYS and ARGV, so the source runs unchanged.
 * A call that raises an error (redis.call on a key of the wrong type) answers {0, message} and the
 * others still run; a call that returns nothing answers false, so the reply array has no hole.
 */
export function batchSourceOf(source: string): string {
  // A shebang line (script flags) is only valid as a script's first line, not inside the wrapper.
  if (source.trimStart().startsWith('#!'))
    throw new Error('batchSourceOf: a script with flags cannot be batched');
  return `local function one(KEYS, ARGV)
${source}
end
local replies, k, a = {}, 0, 1
for i = 1, tonumber(ARGV[1]) do
  local nk, na = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 2
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do args[j] = ARGV[a + j] end
  k, a = k + nk, a + na
  local ok, reply = pcall(one, keys, args)
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

interface QueuedCall {
  script: BatchableScript;
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

  constructor(private readonly run: RunScript) {}

  /** Runs `script` with `keys` and `args`, in a batch with the calls made around it. */
  call(
    script: BatchableScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
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
    // Consecutive calls of one script form a batch; the batches go in the order the calls were
    // made, and Redis runs the commands of one connection in the order they were written, so no
    // call overtakes an earlier one (a settlement made before a reservation of the same key runs first).
    let run: QueuedCall[] = [];
    for (const call of queued) {
      const previous = run[0];
      if (previous !== undefined && (previous.script !== call.script || run.length === MAX_BATCH)) {
        this.send(run);
        run = [];
      }
      run.push(call);
    }
    this.send(run);
  }

  private send(calls: QueuedCall[]): void {
    const first = calls[0];
    if (first === undefined) return;
    const batch = first.script.batch;
    this.inFlight += 1;
    this.sent += 1;
    // Calls made meanwhile wait for this batch, but not for long: a slow Redis must not hold them
    // back beyond MAX_WAIT_MS before their own command (and its timeout) even starts.
    const impatience = setTimeout(() => this.flush(), MAX_WAIT_MS);
    impatience.unref();
    const done =
      calls.length === 1 || batch === undefined
        ? this.sendApart(calls)
        : this.run(
            batch,
            calls.flatMap((call) => call.keys),
            argumentsOf(calls),
          ).then(
            (reply) => answer(calls, reply),
            (error: unknown) => rejectAll(calls, error),
          );
    // `answer` cannot throw and `sendApart` cannot reject: this chain never rejects.
    void done.then(() => {
      clearTimeout(impatience);
      this.inFlight -= 1;
      // The calls that queued meanwhile go now, as the next batch.
      if (this.inFlight === 0) this.flush();
    });
  }

  /** A lone call (or a script without a batch form) goes as itself. */
  private async sendApart(calls: QueuedCall[]): Promise<void> {
    await Promise.all(
      calls.map((call) => this.run(call.script, call.keys, call.args).then(call.resolve, call.reject)),
    );
  }
}

function rejectAll(calls: readonly QueuedCall[], error: unknown): void {
  for (const call of calls) call.reject(error);
}

/** The wrapper's ARGV: the count, then per call its key count, argument count and arguments. */
function argumentsOf(calls: QueuedCall[]): (string | number)[] {
  const args: (string | number)[] = [calls.length];
  for (const call of calls) args.push(call.keys.length, call.args.length, ...call.args);
  return args;
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
