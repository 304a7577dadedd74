/**
 * Proxy benchmark (`npm run bench`): Detour beside the physical limit (the client straight to the
 * upstream) and beside the Portkey gateway, in one run, interleaved and repeated. The system under
 * test runs pinned to core 0; the load generator (this process) and the upstream share core 1.
 * Writes its table to BENCHMARKS.md. Environment: BENCH_ROUNDS (3), BENCH_SECONDS (5),
 * BENCH_HELD_STREAMS (1000), BENCH_REQUEST_LOG (`on`, Detour's default; `off` runs Detour with
 * `log: { enabled: false }` and prints the table without writing BENCHMARKS.md, to measure what
 * the request log costs).
 * "Detour" runs open (`auth: { mode: off }`); "Detour, keyed" is a second Detour process with the
 * secure default: a client key with a rate limit and a budget on every request, so the cost of
 * authentication, limits and budget reservations is the ratio of the two columns.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { holdStreams, sequentialLatency, streaming, type Target, throughput } from './load.js';
import { fixed, median } from './percentile.js';
import {
  canPin,
  cpuSeconds,
  freePort,
  rssMb,
  spawnPinned,
  startFixedUpstream,
  stop,
  waitForPort,
} from './processes.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const ROOT = join(import.meta.dirname, '..');
const PORTKEY_VERSION = '1.15.2';
const PORTKEY_DIR = join(ROOT, 'bench', '.peers');
const PORTKEY_ENTRY = join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const HELD_STREAMS = Number(process.env.BENCH_HELD_STREAMS ?? 1000);
const REQUEST_LOG = process.env.BENCH_REQUEST_LOG === 'off' ? 'off' : 'on';

const pinned = canPin();
const BENCH_ADMIN_KEY = 'bench-admin-key';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface System {
  name: string;
  /** The process whose CPU and memory are measured. */
  pid: () => number;
  target: (stream: boolean, model?: string) => Target;
}

const openaiBody = (stream: boolean, model = 'bench-model') =>
  JSON.stringify({
    model,
    stream,
    messages: [{ role: 'user', content: 'Say something about benchmarks in one sentence.' }],
  });

async function installPortkey(): Promise<string | undefined> {
  if (existsSync(PORTKEY_ENTRY)) return undefined;
  log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into bench/.peers (not a project dependency)…`);
  mkdirSync(PORTKEY_DIR, { recursive: true });
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      'npm',
      [
        'install',
        '--prefix',
        PORTKEY_DIR,
        `@portkey-ai/gateway@${PORTKEY_VERSION}`,
        '--no-audit',
        '--no-fund',
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('exit', (status) => resolve(status ?? 1));
  });
  return code === 0 && existsSync(PORTKEY_ENTRY)
    ? undefined
    : `npm install of @portkey-ai/gateway@${PORTKEY_VERSION} failed`;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('run `npm run build` first (npm run bench does)');
  const problems: string[] = [];
  const portkeyProblem = await installPortkey();
  if (portkeyProblem !== undefined) problems.push(portkeyProblem);

  const { child: upstream, port: upstreamPort } = await startFixedUpstream(pinned ? 1 : undefined);
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

  const outDir = join(ROOT, 'bench', '.out');
  mkdirSync(outDir, { recursive: true });
  const configPath = join(outDir, 'detour.yaml');
  const detourConfig = (auth: string) => `providers:
  up: { protocol: openai-chat, baseUrl: ${upstreamUrl}/v1, apiKey: bench-key }
models:
  bench-model: { deployments: [ { provider: up, model: bench-model, price: { input: 1, output: 2 } } ] }
  slow: { deployments: [ { provider: up, model: slow, price: { input: 1, output: 2 } } ] }
timeouts: { firstToken: 60s, idle: 60s }
store: { sqlite: ':memory:' }
${auth}
${REQUEST_LOG === 'off' ? 'log: { enabled: false }\n' : ''}`;
  writeFileSync(configPath, detourConfig('auth: { mode: off }'));
  const keyedConfigPath = join(outDir, 'detour-keyed.yaml');
  writeFileSync(
    keyedConfigPath,
    detourConfig(`server: { adminKey: ${BENCH_ADMIN_KEY} }\nauth: { mode: keys }`),
  );
  // Systems under test run as processes that can be restarted: the memory phase gets fresh ones,
  // so the RSS with held streams is not inflated by the heap the throughput runs left behind.
  const detourPort = await freePort();
  const portkeyPort = await freePort();
  const startDetour = async () => {
    const child = spawnPinned(
      pinned ? 0 : undefined,
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'main.js'), 'start', '--config', configPath, '--port', String(detourPort)],
      { env: { DETOUR_LOG_LEVEL: 'warn' } },
    );
    await waitForPort(detourPort);
    return child;
  };
  const keyedPort = await freePort();
  const startKeyed = async () => {
    const child = spawnPinned(
      pinned ? 0 : undefined,
      process.execPath,
      [
        join(ROOT, 'dist', 'cli', 'main.js'),
        'start',
        '--config',
        keyedConfigPath,
        '--port',
        String(keyedPort),
      ],
      { env: { DETOUR_LOG_LEVEL: 'warn' } },
    );
    await waitForPort(keyedPort);
    // Limits and a budget far above what the run uses: every request pays for the checks, none is refused.
    const created = await fetch(`http://127.0.0.1:${keyedPort}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bench',
        rpm: 100_000_000,
        tpm: 1_000_000_000,
        budget: { usd: 1_000_000, period: 'month' },
      }),
    });
    const { secret } = (await created.json()) as { secret: string };
    return { child, secret };
  };
  const startPortkey = async () => {
    if (portkeyProblem !== undefined) return undefined;
    const child = spawnPinned(
      pinned ? 0 : undefined,
      process.execPath,
      [PORTKEY_ENTRY, `--port=${portkeyPort}`, '--headless'],
      {
        stderrFile: join(outDir, 'portkey.stderr.log'),
      },
    );
    await waitForPort(portkeyPort);
    return child;
  };
  let detour = await startDetour();
  let keyed = await startKeyed();
  let portkey = await startPortkey();

  const json = { 'content-type': 'application/json' };
  const systems: System[] = [
    {
      name: 'direct',
      pid: () => upstream.pid!,
      target: (stream, model) => ({
        url: `${upstreamUrl}/v1/chat/completions`,
        headers: { ...json, authorization: 'Bearer bench-key' },
        body: openaiBody(stream, model),
      }),
    },
    {
      name: 'Detour',
      pid: () => detour.pid!,
      target: (stream, model) => ({
        url: `http://127.0.0.1:${detourPort}/v1/chat/completions`,
        headers: json,
        body: openaiBody(stream, model),
      }),
    },
  ];
  if (portkey !== undefined) {
    systems.push({
      name: 'Portkey',
      pid: () => portkey?.pid ?? 0,
      target: (stream, model) => ({
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: {
          ...json,
          authorization: 'Bearer bench-key',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${upstreamUrl}/v1`,
        },
        body: openaiBody(stream, model),
      }),
    });
  }
  const translated: System = {
    name: 'Detour, Anthropic client → OpenAI upstream',
    pid: () => detour.pid!,
    target: (stream, model = 'bench-model') => ({
      url: `http://127.0.0.1:${detourPort}/v1/messages`,
      headers: { ...json, 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({
        model,
        max_tokens: 256,
        stream,
        messages: [{ role: 'user', content: 'Say something about benchmarks in one sentence.' }],
      }),
    }),
  };
  const keyedSystem: System = {
    name: 'Detour, keyed',
    pid: () => keyed.child.pid!,
    target: (stream, model) => ({
      url: `http://127.0.0.1:${keyedPort}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${keyed.secret}` },
      body: openaiBody(stream, model),
    }),
  };
  const all = [...systems, keyedSystem, translated];

  log(
    `pinning: ${pinned ? 'system under test on core 0; load generator and upstream on core 1 (taskset)' : 'taskset not available: nothing pinned'}`,
  );
  const idle: Record<string, number> = {};
  for (const system of all) idle[system.name] = rssMb(system.pid());
  const held: Record<string, { rss: number; opened: number }> = {};
  for (const system of systems) {
    const streams = await holdStreams(system.target(true, 'slow'), HELD_STREAMS);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    held[system.name] = { rss: rssMb(system.pid()), opened: streams.opened };
    await streams.close();
    log(`${system.name}: ${streams.opened} slow streams open, RSS ${fixed(held[system.name]!.rss, 0)} MB`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  // Fresh processes for the speed runs.
  await stop(detour);
  await stop(keyed.child);
  if (portkey !== undefined) await stop(portkey);
  detour = await startDetour();
  keyed = await startKeyed();
  portkey = await startPortkey();

  // Warm-up: JIT, pools, connections.
  for (const system of all) await throughput(system.target(false), 16, 2);

  const levels = [1, 16, 64];
  const rps: Record<string, number[]> = {};
  const p50: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  const cpuPerRequest: Record<string, number[]> = {};
  const loadRss: Record<string, number> = {};
  const ttfb: Record<string, number[]> = {};
  const ttfb99: Record<string, number[]> = {};
  const streamTotal: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const streamErrors: Record<string, number> = {};
  const streamCount: Record<string, number> = {};
  const exactP50: Record<string, number[]> = {};
  const exactP99: Record<string, number[]> = {};
  const key = (system: string, what: string) => `${system}|${what}`;
  const push = (table: Record<string, number[]>, name: string, value: number) => {
    const list = table[name] ?? [];
    list.push(value);
    table[name] = list;
  };

  for (let round = 0; round < ROUNDS; round += 1) {
    // Interleaved: each round visits every system at every level, in a rotated order.
    const order = all.map((_, index) => all[(index + round) % all.length]!);
    for (const connections of levels) {
      for (const system of order) {
        const before = cpuSeconds(system.pid());
        let peak = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, rssMb(system.pid()));
        }, 250);
        const result = await throughput(system.target(false), connections, SECONDS);
        clearInterval(sampler);
        const used = cpuSeconds(system.pid()) - before;
        const name = key(system.name, `c${connections}`);
        push(rps, name, result.rps);
        push(p50, name, result.p50);
        push(p99, name, result.p99);
        if (connections === 64)
          push(cpuPerRequest, system.name, (used * 1000) / Math.max(1, result.requests));
        loadRss[system.name] = Math.max(loadRss[system.name] ?? 0, peak);
        errors[system.name] = (errors[system.name] ?? 0) + result.errors;
        log(
          `round ${round + 1} ${system.name} c=${connections}: ${fixed(result.rps, 0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.errors > 0 ? `, ${result.errors} errors` : ''}`,
        );
      }
    }
    for (const system of order) {
      const result = await sequentialLatency(system.target(false), 500);
      push(exactP50, system.name, result.p50);
      push(exactP99, system.name, result.p99);
      errors[system.name] = (errors[system.name] ?? 0) + result.errors;
    }
    for (const connections of [1, 16]) {
      for (const system of order) {
        const result = await streaming(system.target(true), connections, connections === 1 ? 200 : 800);
        const name = key(system.name, `s${connections}`);
        push(ttfb, name, result.ttfbP50);
        push(ttfb99, name, result.ttfbP99);
        push(streamTotal, name, result.totalP50);
        streamErrors[system.name] = (streamErrors[system.name] ?? 0) + result.errors;
        streamCount[system.name] = (streamCount[system.name] ?? 0) + (connections === 1 ? 200 : 800);
        log(
          `round ${round + 1} ${system.name} stream c=${connections}: ttfb p50 ${fixed(result.ttfbP50, 2)} ms, total p50 ${fixed(result.totalP50, 2)} ms${result.errors > 0 ? `, ${result.errors} errors` : ''}`,
        );
      }
    }
  }

  await stop(detour);
  await stop(keyed.child);
  if (portkey !== undefined) await stop(portkey);
  await stop(upstream);

  // The table.
  const spread = (values: number[] | undefined, decimals = 0) =>
    values === undefined || values.length === 0
      ? 'n/a'
      : `${fixed(median(values), decimals)} (${fixed(Math.min(...values), decimals)}–${fixed(Math.max(...values), decimals)})`;
  const med = (values: number[] | undefined) => (values === undefined ? Number.NaN : median(values));
  const header = ['measure', ...all.map((system) => system.name)];
  const rows: string[][] = [];
  for (const connections of levels) {
    rows.push([
      `non-streaming req/s, ${connections} connection${connections > 1 ? 's' : ''}`,
      ...all.map((s) => spread(rps[key(s.name, `c${connections}`)])),
    ]);
    rows.push([
      `  latency p50 / p99 (ms), ${connections} conn.`,
      ...all.map(
        (s) =>
          `${fixed(med(p50[key(s.name, `c${connections}`)]), 1)} / ${fixed(med(p99[key(s.name, `c${connections}`)]), 1)}`,
      ),
    ]);
  }
  rows.push([
    'latency p50 / p99 (ms), 1 conn., timed per request',
    ...all.map((s) => `${fixed(med(exactP50[s.name]), 3)} / ${fixed(med(exactP99[s.name]), 3)}`),
  ]);
  rows.push(['CPU per request (ms, 64 conn.)', ...all.map((s) => spread(cpuPerRequest[s.name], 3))]);
  for (const connections of [1, 16]) {
    rows.push([
      `streaming time to first byte p50 (ms), ${connections} conn.`,
      ...all.map((s) => spread(ttfb[key(s.name, `s${connections}`)], 2)),
    ]);
    rows.push([
      `streaming total p50 (ms), ${connections} conn.`,
      ...all.map((s) => spread(streamTotal[key(s.name, `s${connections}`)], 2)),
    ]);
  }
  rows.push(['RSS idle (MB)', ...all.map((s) => fixed(idle[s.name] ?? Number.NaN, 0))]);
  rows.push(['RSS under load, peak (MB)', ...all.map((s) => fixed(loadRss[s.name] ?? Number.NaN, 0))]);
  rows.push([
    `RSS with ${HELD_STREAMS} slow streams open (MB)`,
    ...all.map((s) =>
      held[s.name] === undefined ? '—' : `${fixed(held[s.name]!.rss, 0)} (${held[s.name]!.opened} open)`,
    ),
  ]);
  rows.push(['non-streaming errors during the run', ...all.map((s) => String(errors[s.name] ?? 0))]);
  rows.push([
    'streaming errors during the run',
    ...all.map((s) => `${streamErrors[s.name] ?? 0} of ${streamCount[s.name] ?? 0}`),
  ]);
  const table = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

  const ratio = (a: number, b: number, decimals = 2) =>
    Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? fixed(a / b, decimals) : 'n/a';
  const d = (what: string) => med(rps[key('Detour', what)]);
  const p = (what: string) => med(rps[key('Portkey', what)]);
  const x = (what: string) => med(rps[key('direct', what)]);
  const added = (table: Record<string, number[]>, what: string) =>
    med(table[key('Detour', what)]) - med(table[key('direct', what)]);
  for (const system of all) {
    const failed = streamErrors[system.name] ?? 0;
    if (failed === 0) continue;
    const why =
      system.name === 'Portkey'
        ? ': its stream handler throws `TypeError: immutable` appending a header to a fetch Response on Node 20 (see bench/.out/portkey.stderr.log), so its streaming rows time error answers, not streams'
        : '';
    problems.push(`${system.name} failed ${failed} of ${streamCount[system.name]} streamed requests${why}`);
  }
  const ratios = [
    `- Throughput Detour / Portkey: ${levels.map((c) => `${ratio(d(`c${c}`), p(`c${c}`))}× at ${c}`).join(', ')} (target ≥ 8×).`,
    `- Throughput Detour / direct: ${levels.map((c) => `${ratio(d(`c${c}`), x(`c${c}`))} at ${c}`).join(', ')}.`,
    `- CPU per request Detour / bare upstream: ${ratio(med(cpuPerRequest.Detour), med(cpuPerRequest.direct))}× (target ≤ 3×); Portkey / bare upstream: ${ratio(med(cpuPerRequest.Portkey), med(cpuPerRequest.direct))}×.`,
    `- Added latency at 1 connection (timed per request), Detour − direct: p50 ${fixed(med(exactP50.Detour) - med(exactP50.direct), 3)} ms (target ≤ 0.3), p99 ${fixed(med(exactP99.Detour) - med(exactP99.direct), 3)} ms (target ≤ 2). Portkey − direct: p50 ${fixed(med(exactP50.Portkey) - med(exactP50.direct), 3)} ms.`,
    `- Streaming time-to-first-byte overhead, Detour − direct: ${fixed(added(ttfb, 's1'), 2)} ms at 1 connection, ${fixed(added(ttfb, 's16'), 2)} ms at 16 (target ≤ 1 ms); Portkey − direct: ${fixed(med(ttfb[key('Portkey', 's1')]) - med(ttfb[key('direct', 's1')]), 2)} ms at 1.`,
    `- Client key with a rate limit and a budget, keyed / open Detour: ${levels.map((c) => `${ratio(med(rps[key('Detour, keyed', `c${c}`)]), d(`c${c}`))} at ${c}`).join(', ')} (target ≥ 0.90); CPU per request ${ratio(med(cpuPerRequest['Detour, keyed']), med(cpuPerRequest.Detour))}×.`,
    `- RSS with ${HELD_STREAMS} streams: Detour ${fixed(held.Detour?.rss ?? Number.NaN, 0)} MB (target ≤ 150 MB).`,
  ];
  const markdown = `## Proxy overhead: direct, Detour, Portkey

\`npm run bench\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Portkey gateway ${PORTKEY_VERSION} (from npm into \`bench/.peers\`).
${pinned ? 'System under test pinned to core 0; the load generator (autocannon, and undici for streams) and the upstream pinned to core 1 (`taskset`).' : 'Not pinned (no `taskset`).'}
${ROUNDS} interleaved rounds of ${SECONDS} s per cell; each cell is the median with the range over the rounds. The upstream is a fixed-response
OpenAI-compatible server (≈ 500-byte answers; streams of 50 chunks). "direct" is the client straight to that upstream; its CPU row is the
upstream's own CPU per request. "Detour" runs open (\`auth: { mode: off }\`); "Detour, keyed" is a second Detour process where every request carries
a client key with a rate limit and a budget (authentication, limits, a budget reservation and its settlement on each request). The last column
is Detour with an Anthropic-format client translated to the OpenAI upstream.

${table}

${ratios.join('\n')}
${problems.length > 0 ? `\nPeer problems: ${problems.join('; ')}.\n` : ''}`;
  log(`\n${markdown}`);
  if (REQUEST_LOG === 'off') console.log('BENCH_REQUEST_LOG=off: BENCHMARKS.md left as it is');
  else writeBenchmarksSection('proxy', markdown);
}

// The load generator must not compete with the system under test: re-run this script on core 1.
if (pinned && process.env.BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}
