/**
 * Replicas benchmark (`npm run bench:replicas`, issue 14 deliverable 5), in one run:
 * 1. throughput and latency of two Detour replicas sharing a private Redis (`state.redis`) and
 *    PostgreSQL (`store.postgres`), load split between them, against ONE replica with in-process
 *    state (SQLite `:memory:`, no `state:`), same upstream, same total connection count;
 * 2. how long an ejection on replica 1 takes to show on replica 2's `GET /admin/health`;
 * 3. client-visible errors while the private Redis is SIGKILLed and restarted under load.
 * Every request carries a client key with a rate limit and a budget, so each one pays for the
 * shared state (one Redis script that admits and reserves, one that settles) — with `auth` off no
 * request would touch Redis and part 1 would measure nothing.
 * Placement (2 cores): every Detour process on core 0 — the two replicas share the one core the
 * single replica has to itself; load generator, upstreams and the private Redis on core 1;
 * PostgreSQL is the machine's shared server and is not pinned.
 * Environment: REPLICAS_ROUNDS (5), REPLICAS_SECONDS (5), REPLICAS_CONNECTIONS (32, in total),
 * REPLICAS_EJECTIONS (5), REPLICAS_PG (postgres://postgres@127.0.0.1:5432/test), REPLICAS_STORE
 * (`sqlite`: each replica keeps its own in-memory store, so only Redis is shared — a diagnosis run).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Target, type ThroughputResult, throughput } from './load.js';
import { fixed, median } from './percentile.js';
import { canPin, spawnPinned, stop, waitForPort } from './processes.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const ROUNDS = Number(process.env.REPLICAS_ROUNDS ?? 5);
const SECONDS = Number(process.env.REPLICAS_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.REPLICAS_CONNECTIONS ?? 32);
const EJECTIONS = Number(process.env.REPLICAS_EJECTIONS ?? 5);
const PG_URL = process.env.REPLICAS_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_KEY = 'bench-admin-key';
const SCHEMA = `bench_replicas_${process.pid}`;
const FLAKY_DEPLOYMENT = 'bad/flaky';
/** `sqlite` gives each replica its own in-memory store, to tell Redis's cost from PostgreSQL's. */
const SHARED_STORE = process.env.REPLICAS_STORE === 'sqlite' ? 'sqlite' : 'postgres';
const pinned = canPin();
const DETOUR_CORE = pinned ? 0 : undefined;
const SIDE_CORE = pinned ? 1 : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Everything started, so that `finally` can take it all down whatever failed. */
const children = new Set<ChildProcess>();
const servers: Server[] = [];
let schemaCreated = false;

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = track(
    spawnPinned(
      SIDE_CORE,
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stderrFile: join(OUT, 'replicas-redis.log'),
      },
    ),
  );
  await waitForPort(port);
  return child;
}

/** An upstream whose every answer is a 500: a deployment on it fails every attempt. */
async function startFailingUpstream(): Promise<number> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'bench: always fails', type: 'server_error' } }));
    });
  });
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function config(upstreamUrl: string, failingUrl: string, shared: { redisPort: number } | undefined): string {
  const pgUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${SCHEMA}`;
  return `providers:
  up: { protocol: openai-chat, baseUrl: ${upstreamUrl}/v1, apiKey: bench-key }
  bad: { protocol: openai-chat, baseUrl: ${failingUrl}/v1, apiKey: bench-key }
models:
  bench-model: { deployments: [ { provider: up, model: bench-model, price: { input: 1, output: 2 } } ] }
  flaky: { deployments: [ { provider: bad, model: flaky, price: { input: 1, output: 2 } } ] }
timeouts: { firstToken: 60s, idle: 60s }
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
${
  shared === undefined
    ? "store: { sqlite: ':memory:' }"
    : `store: ${SHARED_STORE === 'sqlite' ? "{ sqlite: ':memory:' }" : `{ postgres: '${pgUrl}' }`}\nstate: { redis: 'redis://127.0.0.1:${shared.redisPort}', keyPrefix: 'bench:' }`
}
`;
}

async function startDetour(configPath: string, port: number): Promise<ChildProcess> {
  const child = track(
    spawnPinned(
      DETOUR_CORE,
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'main.js'), 'start', '--config', configPath, '--port', String(port)],
      { env: { DETOUR_LOG_LEVEL: 'warn' }, stderrFile: join(OUT, 'replicas-detour.stderr.log') },
    ),
  );
  await waitForPort(port);
  return child;
}

const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

/** A client key with limits and a budget far above what the run uses: every request pays for the checks. */
async function createKey(port: number): Promise<string> {
  const created = await fetch(`http://127.0.0.1:${port}/admin/keys`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({
      name: 'bench',
      rpm: 100_000_000,
      tpm: 1_000_000_000,
      budget: { usd: 1_000_000, period: 'month' },
    }),
  });
  if (created.status !== 200 && created.status !== 201)
    throw new Error(`creating a key: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { secret: string }).secret;
}

function target(port: number, secret: string, model = 'bench-model'): Target {
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Say something about benchmarks in one sentence.' }],
    }),
  };
}

/** Waits until a request with the key answers 200 (a key made on one replica, read from the shared store by the other). */
async function waitForOk(t: Target): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = 0;
  while (Date.now() < deadline) {
    const response = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
    await response.arrayBuffer();
    last = response.status;
    if (last === 200) return;
    await sleep(100);
  }
  throw new Error(`${t.url} kept answering ${last}`);
}

async function breakerState(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/admin/health`, { headers: adminHeaders });
  const body = (await response.json()) as {
    deployments: { deployment: string; status: { state: string } }[];
  };
  return body.deployments.find((row) => row.deployment === FLAKY_DEPLOYMENT)?.status.state ?? 'missing';
}

/**
 * One ejection: resets the flaky deployment (the reset is shared, too), waits until both replicas
 * see it closed, then sends failing requests through replica 1 only while polling both replicas'
 * health every 10 ms. Answers the time between replica 1 first showing it ejected and replica 2
 * first showing it ejected (both seen by the same polling loop, so resolution ≈ one poll).
 */
async function measureEjection(
  one: number,
  two: number,
  secret: string,
): Promise<{ delay: number; pollMs: number }> {
  await fetch(`http://127.0.0.1:${one}/admin/deployments/reset`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ deployment: FLAKY_DEPLOYMENT }),
  });
  const settle = Date.now() + 10_000;
  while ((await breakerState(one)) !== 'closed' || (await breakerState(two)) !== 'closed') {
    if (Date.now() > settle)
      throw new Error(
        `the flaky deployment did not close on both replicas after a reset: ${await breakerState(one)}, ${await breakerState(two)}`,
      );
    await sleep(50);
  }
  let seenOne: number | undefined;
  let seenTwo: number | undefined;
  const started = performance.now();
  const failing = target(one, secret, 'flaky');
  const sender = (async () => {
    while (seenOne === undefined && performance.now() - started < 20_000) {
      const response = await fetch(failing.url, {
        method: 'POST',
        headers: failing.headers,
        body: failing.body,
      });
      await response.arrayBuffer();
    }
  })();
  let polls = 0;
  while ((seenOne === undefined || seenTwo === undefined) && performance.now() - started < 20_000) {
    polls += 1;
    const [stateOne, stateTwo] = await Promise.all([
      seenOne === undefined ? breakerState(one) : Promise.resolve('done'),
      seenTwo === undefined ? breakerState(two) : Promise.resolve('done'),
    ]);
    const now = performance.now();
    if (seenOne === undefined && stateOne !== 'closed') seenOne = now;
    if (seenTwo === undefined && stateTwo !== 'closed') seenTwo = now;
    await sleep(10);
  }
  await sender;
  if (seenOne === undefined || seenTwo === undefined) throw new Error('no ejection seen within 20 s');
  return { delay: Math.max(0, seenTwo - seenOne), pollMs: (performance.now() - started) / polls };
}

async function readyStatus(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await response.json()) as { status?: string };
    return `${response.status} ${body.status ?? ''}`.trim();
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}

const sum = (results: ThroughputResult[], pick: (r: ThroughputResult) => number) =>
  results.reduce((total, r) => total + pick(r), 0);
const spread = (values: number[], decimals = 0) =>
  `${fixed(median(values), decimals)} (${fixed(Math.min(...values), decimals)}–${fixed(Math.max(...values), decimals)})`;

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const startedAt = new Date();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${SCHEMA}`);
    schemaCreated = true;

    const upstreamPort = await freePort();
    track(
      spawnPinned(SIDE_CORE, process.execPath, [
        '--import',
        'tsx',
        join(ROOT, 'bench', 'fixed-upstream.ts'),
        String(upstreamPort),
      ]),
    );
    await waitForPort(upstreamPort);
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    const failingUrl = `http://127.0.0.1:${await startFailingUpstream()}`;
    const redisPort = await freePort();
    let redis = await startRedis(redisPort);

    const sharedPath = join(OUT, 'replicas-shared.yaml');
    writeFileSync(sharedPath, config(upstreamUrl, failingUrl, { redisPort }));
    const localPath = join(OUT, 'replicas-local.yaml');
    writeFileSync(localPath, config(upstreamUrl, failingUrl, undefined));

    // Replica 1 first, so that it alone runs the store's migrations; then replica 2.
    const [onePort, twoPort, localPort] = [await freePort(), await freePort(), await freePort()];
    await startDetour(sharedPath, onePort);
    await startDetour(sharedPath, twoPort);
    await startDetour(localPath, localPort);
    const sharedSecret = await createKey(onePort);
    const localSecret = await createKey(localPort);
    const one = target(onePort, sharedSecret);
    const two = target(twoPort, SHARED_STORE === 'sqlite' ? await createKey(twoPort) : sharedSecret);
    const local = target(localPort, localSecret);
    await waitForOk(one);
    await waitForOk(two);
    await waitForOk(local);
    log(
      `placement: ${pinned ? 'Detour processes on core 0; load generator, upstreams and private Redis on core 1 (taskset); PostgreSQL unpinned' : 'taskset not available: nothing pinned'}`,
    );

    // Part 1: throughput, interleaved rounds. Same total connections: all on the single replica, half on each replica.
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    await throughput(local, CONNECTIONS, 2);
    await Promise.all([throughput(one, half, 2), throughput(two, half, 2)]);
    const localRps: number[] = [];
    const localP50: number[] = [];
    const localP99: number[] = [];
    const oneRps: number[] = [];
    const twoRps: number[] = [];
    const sharedTotal: number[] = [];
    const sharedP50: number[] = [];
    const sharedP99: number[] = [];
    const ratios: number[] = [];
    const aloneRps: number[] = [];
    const aloneP50: number[] = [];
    const aloneP99: number[] = [];
    let throughputErrors = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const runLocal = async () => {
        const r = await throughput(local, CONNECTIONS, SECONDS);
        localRps.push(r.rps);
        localP50.push(r.p50);
        localP99.push(r.p99);
        throughputErrors += r.errors;
        log(
          `round ${round + 1} one replica, in-process state, c=${CONNECTIONS}: ${fixed(r.rps, 0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`,
        );
      };
      // Replica 1 alone (replica 2 idle): what Redis and PostgreSQL cost without two processes splitting core 0.
      const runAlone = async () => {
        const r = await throughput(one, CONNECTIONS, SECONDS);
        aloneRps.push(r.rps);
        aloneP50.push(r.p50);
        aloneP99.push(r.p99);
        throughputErrors += r.errors;
        log(
          `round ${round + 1} one replica, shared state, c=${CONNECTIONS}: ${fixed(r.rps, 0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`,
        );
      };
      const runShared = async () => {
        const results = await Promise.all([throughput(one, half, SECONDS), throughput(two, half, SECONDS)]);
        const [a, b] = results as [ThroughputResult, ThroughputResult];
        oneRps.push(a.rps);
        twoRps.push(b.rps);
        sharedTotal.push(a.rps + b.rps);
        // Latency across both replicas: the worse replica's percentile (autocannon gives no merged histogram).
        sharedP50.push(Math.max(a.p50, b.p50));
        sharedP99.push(Math.max(a.p99, b.p99));
        throughputErrors += sum(results, (r) => r.errors);
        log(
          `round ${round + 1} two replicas, shared state, c=${half}+${half}: ${fixed(a.rps, 0)} + ${fixed(b.rps, 0)} = ${fixed(a.rps + b.rps, 0)} req/s, p50 ${a.p50}/${b.p50} ms, p99 ${a.p99}/${b.p99} ms`,
        );
      };
      // Rotate which setup goes first, so drift in the machine's load does not favour one.
      const setups = [runLocal, runAlone, runShared];
      for (let index = 0; index < setups.length; index += 1) await setups[(index + round) % setups.length]!();
      ratios.push(sharedTotal[round]! / localRps[round]!);
    }

    // Part 2: ejection propagation.
    const delays: number[] = [];
    const pollPeriods: number[] = [];
    for (let index = 0; index < EJECTIONS; index += 1) {
      const { delay, pollMs } = await measureEjection(onePort, twoPort, sharedSecret);
      delays.push(delay);
      pollPeriods.push(pollMs);
      log(
        `ejection ${index + 1}: replica 2 saw it ${fixed(delay, 0)} ms after replica 1 (one poll every ${fixed(pollMs, 0)} ms)`,
      );
    }
    // Leave the flaky deployment closed, so it cannot matter for part 3.
    await fetch(`http://127.0.0.1:${onePort}/admin/deployments/reset`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ deployment: FLAKY_DEPLOYMENT }),
    });

    // Part 3: Redis SIGKILLed at 4 s, restarted at 8 s, load on both replicas for 16 s.
    const outageSeconds = 16;
    const load = Promise.all([throughput(one, half, outageSeconds), throughput(two, half, outageSeconds)]);
    await sleep(4_000);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const killedAt = Date.now();
    await sleep(1_500);
    const readyDuring = [await readyStatus(onePort), await readyStatus(twoPort)];
    await sleep(2_500);
    redis = await startRedis(redisPort);
    const downMs = Date.now() - killedAt;
    const outage = await load;
    await sleep(2_000);
    const readyAfter = [await readyStatus(onePort), await readyStatus(twoPort)];
    const outageRequests = sum(outage, (r) => r.requests);
    const outageErrors = sum(outage, (r) => r.errors);
    log(
      `redis kill: ${outageRequests} requests, ${outageErrors} non-200 or failed; Redis down ${fixed(downMs / 1000, 1)} s; /readyz during ${readyDuring.join(', ')}, after ${readyAfter.join(', ')}`,
    );

    // The section. The load average shows whether other jobs shared the two cores during the run.
    const loadAfter = loadavg()[0] ?? Number.NaN;
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const ratio = median(ratios);
    const markdown = `## Replicas: shared state through Redis and PostgreSQL

\`npm run bench:replicas\` — ${startedAt.toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, redis-server ${redisVersion()}, PostgreSQL ${(await admin.query('SHOW server_version')).rows[0]?.server_version ?? '?'}.
${pinned ? "Placement (`taskset`): every Detour process on core 0 — **the two replicas share the one core the single replica has to itself**, so the fair comparison is their sum against the single replica; the load generator (autocannon, in the benchmark process), the fixed upstream, the failing upstream and the private Redis on core 1; PostgreSQL is the machine's shared server, not pinned." : 'taskset was not available: nothing was pinned.'}
1-minute load average ${fixed(loadBefore, 2)} at the start and ${fixed(loadAfter, 2)} at the end of the run (above 2, other jobs were competing for the two cores and the throughput rows are noisy).
Every request carries a client key with a rate limit and a budget, so each one makes two Redis calls: one script that checks the rate limit and reserves the budget, and one that settles both after the answer.
"Shared state": two replica processes with \`store: { postgres }\` (a schema of its own, dropped afterwards) and \`state: { redis }\` (a private \`redis-server --save '' --appendonly no\` on a free port), ${half} connections to each, both driven at once.
"In-process state": one process with \`store: { sqlite: ':memory:' }\` and no \`state:\`, ${CONNECTIONS} connections. Same upstream; ${ROUNDS} rounds of ${SECONDS} s, the setups rotating which goes first; median (range).
The third column runs replica 1 of the shared pair alone with all ${CONNECTIONS} connections, to separate what Redis and PostgreSQL cost from what two processes splitting core 0 cost.
\`REPLICAS_STORE=sqlite npm run bench:replicas\` shares only Redis (each replica its own in-memory store), to tell Redis's cost from PostgreSQL's; it prints its table and leaves this section alone.

| measure | one replica, in-process state | two replicas, shared state | one replica, shared state (replica 2 idle) |
| --- | --- | --- | --- |
| connections | ${CONNECTIONS} | ${half} + ${half} | ${CONNECTIONS} |
| req/s, replica 1 | ${spread(localRps)} | ${spread(oneRps)} | ${spread(aloneRps)} |
| req/s, replica 2 | — | ${spread(twoRps)} | — |
| req/s, all replicas | ${spread(localRps)} | ${spread(sharedTotal)} | ${spread(aloneRps)} |
| latency p50 (ms) | ${spread(localP50, 1)} | ${spread(sharedP50, 1)} (worse replica) | ${spread(aloneP50, 1)} |
| latency p99 (ms) | ${spread(localP99, 1)} | ${spread(sharedP99, 1)} (worse replica) | ${spread(aloneP99, 1)} |

Non-200 or failed requests in these runs: ${throughputErrors}.

- Throughput, two replicas with shared state / one replica with in-process state (per round, then median): ${fixed(ratio, 2)} (${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)}; rounds in order: ${ratios.map((r) => fixed(r, 2)).join(', ')}); target ≥ 0.90 (within 10 %): ${ratio >= 0.9 ? 'met' : 'not met'}.
- One replica with shared state / one with in-process state (no core split, same connections): ${fixed(median(aloneRps) / median(localRps), 2)} (medians).
- Added latency, two replicas with shared state − one with in-process state: p50 ${fixed(median(sharedP50) - median(localP50), 1)} ms, p99 ${fixed(median(sharedP99) - median(localP99), 1)} ms (autocannon's whole milliseconds).
- Ejection on replica 1 seen on replica 2 (${EJECTIONS} times: the deployment reset, failing requests sent through replica 1 only, both replicas' \`GET /admin/health\` polled together, one poll of both every ${fixed(median(pollPeriods), 0)} ms on median — the resolution; the time from replica 1 first showing it ejected to replica 2 first showing it): median ${fixed(median(delays), 0)} ms, max ${fixed(Math.max(...delays), 0)} ms (all: ${delays.map((d) => fixed(d, 0)).join(', ')}); target ≤ 1000 ms: ${Math.max(...delays) <= 1000 ? 'met' : 'not met'}.
- Redis SIGKILLed under load (both replicas, ${half} connections each, ${outageSeconds} s; killed at 4 s, restarted on the same port ${fixed(downMs / 1000, 1)} s later): ${outageErrors} non-200 or failed of ${outageRequests} requests (target 0: ${outageErrors === 0 ? 'met' : 'not met'}). \`/readyz\` while Redis was away: ${readyDuring.join(', ')}; 2 s after it returned: ${readyAfter.join(', ')}.
`;
    log(`\n${markdown}`);
    // A diagnosis run shares only Redis: its figures are not the section's.
    if (SHARED_STORE === 'postgres') writeBenchmarksSection('replicas', markdown);
    else log('REPLICAS_STORE=sqlite: diagnosis run, BENCHMARKS.md left as it was');
  } finally {
    for (const child of [...children]) await stop(child);
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    if (schemaCreated) await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
    await admin.end();
  }
}

function redisVersion(): string {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? '?';
}

await main();
