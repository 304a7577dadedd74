/**
 * Soak benchmark (`npm run bench:soak`): does Detour come back to a fresh process's throughput and
 * memory after holding many long streams? Two Detour processes with the same config run side by
 * side, pinned to the same core: "fresh" only ever serves short requests; "soaked" first holds
 * BENCH_SOAK_STREAMS (1000) slow streams at once, which the client then drops. Afterwards both get
 * the same non-streaming load, interleaved round by round (the order alternates) so a noisy
 * neighbour on the machine hits both alike, and each round's soaked / fresh ratio is reported.
 * Writes its section to BENCHMARKS.md.
 * Environment: BENCH_SOAK_STREAMS (1000), BENCH_SOAK_HOLD_SECONDS (60), BENCH_SOAK_ROUNDS (6), BENCH_SECONDS (5),
 * BENCH_SOAK_CONNECTIONS (16), BENCH_SOAK_WRITE (`on`; `off` prints without writing BENCHMARKS.md),
 * BENCH_SOAK_DIST (the build to run, default `dist`: a copy of an older build compares two),
 * BENCH_SOAK_NODE_ARGS (extra Node flags for both Detour processes, e.g. `--cpu-prof --cpu-prof-dir=bench/.out/prof`
 * or `--heapsnapshot-signal=SIGUSR2`: profiles are written when a process stops, heap snapshots of both
 * processes after the last round, into the working directory; with extra flags, each process's stdout, where
 * `--trace-gc` writes, goes to bench/.out/soak-NAME.log).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { holdStreams, type Target, throughput } from './load.js';
import { fixed, median } from './percentile.js';
import { canPin, cpuSeconds, freePort, rssMb, spawnPinned, stop, waitForPort } from './processes.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const DIST = resolve(ROOT, process.env.BENCH_SOAK_DIST ?? 'dist');
const STREAMS = Number(process.env.BENCH_SOAK_STREAMS ?? 1000);
const ROUNDS = Number(process.env.BENCH_SOAK_ROUNDS ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 16);
/**
 * How long the streams stay open before the client drops them. Long enough for V8 to treat the
 * process as idle meanwhile and shrink its heap, as it can under long, mostly quiet streams.
 */
const HOLD_SECONDS = Number(process.env.BENCH_SOAK_HOLD_SECONDS ?? 60);
const WRITE = process.env.BENCH_SOAK_WRITE !== 'off';
const NODE_ARGS = (process.env.BENCH_SOAK_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** "Back within 10 % of a fresh process" (issue 13). */
const TOLERANCE = 0.1;
/**
 * Detour keeps at most 256 connections to one upstream origin (src/providers/upstream-transport.ts);
 * a stream beyond that waits in the pool's queue. The slow model is spread over enough upstream
 * ports (origins), with the weighted strategy, for every stream to be held at the same time.
 */
const STREAMS_PER_ORIGIN = 250;

const pinned = canPin();

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const body = (stream: boolean, model: string) =>
  JSON.stringify({
    model,
    stream,
    messages: [{ role: 'user', content: 'Say something about benchmarks in one sentence.' }],
  });

/** One Detour process under test. */
interface Detour {
  name: string;
  pid: number;
  target: (stream: boolean, model?: string) => Target;
  stop: () => Promise<void>;
}

async function startDetour(name: string, upstreamPorts: number[], directory: string): Promise<Detour> {
  const configPath = join(directory, `${name}.yaml`);
  const providers = upstreamPorts
    .map(
      (port, index) =>
        `  up${index}: { protocol: openai-chat, baseUrl: http://127.0.0.1:${port}/v1, apiKey: bench-key }`,
    )
    .join('\n');
  const slow = upstreamPorts
    .map((_, index) => `{ provider: up${index}, model: slow, weight: 1, price: { input: 1, output: 2 } }`)
    .join(', ');
  // The request log goes to a file, not `:memory:`: rows kept in the process would grow its RSS with
  // every request and hide what the streams left behind.
  writeFileSync(
    configPath,
    `providers:
${providers}
models:
  bench-model: { deployments: [ { provider: up0, model: bench-model, price: { input: 1, output: 2 } } ] }
  slow: { strategy: weighted, deployments: [ ${slow} ] }
timeouts: { firstToken: 60s, idle: 60s }
store: { sqlite: ${JSON.stringify(join(directory, `${name}.db`))} }
auth: { mode: off }
server: { maxConnectionsPerIp: ${STREAMS + 100} }
`,
  );
  const port = await freePort();
  const child = spawnPinned(
    pinned ? 0 : undefined,
    process.execPath,
    [...NODE_ARGS, join(DIST, 'cli', 'main.js'), 'start', '--config', configPath, '--port', String(port)],
    {
      env: { DETOUR_LOG_LEVEL: 'warn' },
      ...(NODE_ARGS.length > 0 ? { stdoutFile: join(OUT, `soak-${name}.log`) } : {}),
    },
  );
  await waitForPort(port);
  return {
    name,
    pid: child.pid!,
    target: (stream, model = 'bench-model') => ({
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: body(stream, model),
    }),
    stop: () => stop(child),
  };
}

/** Full GCs a process has logged so far, when it runs with `--trace-gc` (else undefined). */
function fullGcs(name: string): number | undefined {
  if (!NODE_ARGS.includes('--trace-gc')) return undefined;
  return readFileSync(join(OUT, `soak-${name}.log`), 'utf8').split('Mark-Compact').length - 1;
}

/** Asks a process started with `--heapsnapshot-signal` for a heap snapshot and waits until it is written. */
async function heapSnapshot(pid: number, signal: NodeJS.Signals): Promise<void> {
  const written = () =>
    readdirSync(process.cwd()).find((file) => file.includes(`.${pid}.`) && file.endsWith('.heapsnapshot'));
  process.kill(pid, signal);
  let size = -1;
  for (;;) {
    await sleep(1_000);
    const file = written();
    if (file === undefined) continue;
    const now = statSync(file).size;
    if (now > 0 && now === size) return;
    size = now;
  }
}

/** One throughput cell: requests/s, the process's CPU per request, and its RSS right after. */
interface Cell {
  rps: number;
  cpuMs: number;
  rss: number;
  errors: number;
}

async function measure(detour: Detour): Promise<Cell> {
  const before = cpuSeconds(detour.pid);
  const result = await throughput(detour.target(false), CONNECTIONS, SECONDS);
  const used = cpuSeconds(detour.pid) - before;
  return {
    rps: result.rps,
    cpuMs: (used * 1000) / Math.max(1, result.requests),
    rss: rssMb(detour.pid),
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const directory = mkdtempSync(join(tmpdir(), 'detour-soak-'));
  const upstreamPorts: number[] = [];
  for (let index = 0; index < Math.ceil(STREAMS / STREAMS_PER_ORIGIN); index += 1)
    upstreamPorts.push(await freePort());
  const upstream = spawnPinned(
    pinned ? 1 : undefined,
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'fixed-upstream.ts'), ...upstreamPorts.map(String)],
    // The upstream's slow streams outlast the hold: the client ends them, not the upstream. One
    // chunk per stream every 5 s: streams that are open but mostly quiet (a model thinking, a
    // client reading slowly) leave the process nearly idle, when V8 shrinks its heap.
    { env: { SLOW_CHUNKS: String(Math.ceil(HOLD_SECONDS / 5) + 10), SLOW_INTERVAL_MS: '5000' } },
  );
  for (const port of upstreamPorts) await waitForPort(port);
  const fresh = await startDetour('fresh', upstreamPorts, directory);
  const soaked = await startDetour('soaked', upstreamPorts, directory);
  const both = [fresh, soaked];
  try {
    log(
      `pinning: ${pinned ? 'both Detour processes on core 0; load generator and upstream on core 1' : 'taskset not available: nothing pinned'}`,
    );
    // Warm-up (JIT, pools), then one round before the soak: the control that the two start equal.
    for (const detour of both) await throughput(detour.target(false), CONNECTIONS, 2);
    const before: Record<string, Cell> = {};
    for (const detour of both) before[detour.name] = await measure(detour);
    log(
      `before the soak: fresh ${fixed(before.fresh!.rps, 0)} req/s, soaked ${fixed(before.soaked!.rps, 0)} req/s`,
    );

    const rssIdle = rssMb(soaked.pid);
    const held = await holdStreams(soaked.target(true, 'slow'), STREAMS);
    await sleep(HOLD_SECONDS * 1000);
    const rssHeld = rssMb(soaked.pid);
    const liveAtClose = held.live();
    await held.close();
    log(
      `soaked: ${held.opened} of ${STREAMS} slow streams opened (${held.failed} failed), ${liveAtClose} open at once when released; RSS ${fixed(rssIdle, 0)} MB before, ${fixed(rssHeld, 0)} MB while held`,
    );
    await sleep(2_000);

    const gcsBefore = both.map((detour) => fullGcs(detour.name));
    const rounds: Array<Record<string, Cell>> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? [soaked, fresh] : [fresh, soaked];
      const cells: Record<string, Cell> = {};
      for (const detour of order) cells[detour.name] = await measure(detour);
      rounds.push(cells);
      log(
        `round ${round + 1}: ${both
          .map(
            (detour) =>
              `${detour.name} ${fixed(cells[detour.name]!.rps, 0)} req/s, ${fixed(cells[detour.name]!.cpuMs, 3)} ms CPU/req, RSS ${fixed(cells[detour.name]!.rss, 0)} MB`,
          )
          .join('; ')}`,
      );
    }

    const gcsAfter = both.map((detour) => fullGcs(detour.name));
    const snapshotSignal = /^--heapsnapshot-signal=(\w+)$/.exec(
      NODE_ARGS.find((arg) => arg.startsWith('--heapsnapshot-signal=')) ?? '',
    )?.[1];
    if (snapshotSignal !== undefined)
      for (const detour of both) await heapSnapshot(detour.pid, snapshotSignal as NodeJS.Signals);

    const ratios = (pick: (cell: Cell) => number) =>
      rounds.map((cells) => pick(cells.soaked!) / pick(cells.fresh!));
    const spread = (values: number[], decimals = 2) =>
      `${fixed(median(values), decimals)} (${fixed(Math.min(...values), decimals)}–${fixed(Math.max(...values), decimals)})`;
    const rpsRatios = ratios((cell) => cell.rps);
    const cpuRatios = ratios((cell) => cell.cpuMs);
    const rssRatios = ratios((cell) => cell.rss);
    const column = (name: string, pick: (cell: Cell) => number, decimals: number) =>
      spread(
        rounds.map((cells) => pick(cells[name]!)),
        decimals,
      );
    const errors = rounds.reduce((sum, cells) => sum + cells.fresh!.errors + cells.soaked!.errors, 0);
    const throughputMet = median(rpsRatios) >= 1 - TOLERANCE;
    const rssMet = median(rssRatios) <= 1 + TOLERANCE;
    const table = [
      '| measure | fresh | soaked | soaked / fresh |',
      '| --- | --- | --- | --- |',
      `| before the soak: req/s | ${fixed(before.fresh!.rps, 0)} | ${fixed(before.soaked!.rps, 0)} | ${fixed(before.soaked!.rps / before.fresh!.rps, 2)} |`,
      `| after: req/s, ${CONNECTIONS} connections | ${column('fresh', (cell) => cell.rps, 0)} | ${column('soaked', (cell) => cell.rps, 0)} | ${spread(rpsRatios)} |`,
      `| after: CPU per request (ms) | ${column('fresh', (cell) => cell.cpuMs, 3)} | ${column('soaked', (cell) => cell.cpuMs, 3)} | ${spread(cpuRatios)} |`,
      `| after: RSS after each round (MB) | ${column('fresh', (cell) => cell.rss, 0)} | ${column('soaked', (cell) => cell.rss, 0)} | ${spread(rssRatios)} |`,
    ];
    const fullGcCounts = both.map((_, index) => (gcsAfter[index] ?? 0) - (gcsBefore[index] ?? 0));
    if (gcsBefore[0] !== undefined)
      table.push(
        `| after: full GCs (\`--trace-gc\` Mark-Compact) | ${fullGcCounts[0]} | ${fullGcCounts[1]} | ${fixed((fullGcCounts[1] ?? 0) / Math.max(1, fullGcCounts[0] ?? 0), 2)} |`,
      );
    const verdict = [
      `- Throughput after the soak, soaked / fresh: ${spread(rpsRatios)} (target ≥ ${fixed(1 - TOLERANCE, 2)}): ${throughputMet ? 'met' : 'not met'}.`,
      `- RSS after the soak, soaked / fresh: ${spread(rssRatios)} (target ≤ ${fixed(1 + TOLERANCE, 2)}): ${rssMet ? 'met' : 'not met'}.`,
      `- Held: ${held.opened} of ${STREAMS} streams opened (${held.failed} failed), ${liveAtClose} open at once when the client dropped them; RSS of the soaked process ${fixed(rssIdle, 0)} MB before, ${fixed(rssHeld, 0)} MB while holding them.`,
      `- Non-streaming errors after the soak: ${errors}.`,
    ].join('\n');
    const markdown = `## Soak: after ${STREAMS} held streams

\`${NODE_ARGS.length > 0 ? `BENCH_SOAK_NODE_ARGS='${NODE_ARGS.join(' ')}' ` : ''}npm run bench:soak\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.
${pinned ? 'Both Detour processes pinned to core 0; the load generator and the upstream to core 1 (`taskset`).' : 'Not pinned (no `taskset`).'}
Two Detour processes with the same config (open, request log to a SQLite file): "fresh" serves only short requests;
"soaked" first holds ${STREAMS} slow streams (one chunk every 5 s) from ${STREAMS} client connections for ${HOLD_SECONDS} s, which
the client then drops. The slow model has ${upstreamPorts.length} deployments on as many upstream ports, weighted alike: Detour keeps
at most 256 connections to one upstream origin, and more streams than that would wait in its queue instead of being held.
Then ${ROUNDS} interleaved rounds of ${SECONDS} s of non-streaming load at ${CONNECTIONS} connections on each, alternating which goes
first; each cell is the median with the range over the rounds, and each ratio is taken within a round. While the
streams are held the process is nearly idle, so V8 shrinks its heap and afterwards grows it slowly, running full GCs
more often; what each full GC costs depends on how much of a request's garbage minor GCs promote (issue 13: a
request's whole object graph was promoted until the request watch stopped keeping it reachable).

${table.join('\n')}

${verdict}
`;
    log(`\n${markdown}`);
    if (WRITE) writeBenchmarksSection('soak', markdown);
    else log('BENCH_SOAK_WRITE=off: BENCHMARKS.md left as it is');
  } finally {
    for (const detour of both) await detour.stop();
    await stop(upstream);
    rmSync(directory, { recursive: true, force: true });
  }
}

// The load generator must not compete with the systems under test: re-run this script on core 1.
if (pinned && process.env.BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}
