/**
 * Replicas benchmark (`npm run bench:replicas`, issue 14 deliverable 5), in one run:
 * 1. throughput, latency and Detour CPU per request of four setups, in rotating rounds, all with the
 *    same upstream and the same total connection count:
 *    - one replica with in-process state (SQLite `:memory:`, no `state:`);
 *    - two replicas, each with in-process state of its own, half the connections each;
 *    - one replica with shared state (a private Redis as `state.redis`, PostgreSQL as
 *      `store.postgres`), its twin idle;
 *    - the two replicas with shared state, half the connections each.
 *    Ratios: two shared / one in-process (the issue's figure), two shared / two in-process (what shared
 *    state costs when both sides split core 0 alike), one shared / one in-process (the same without the
 *    split), two in-process / one in-process (what the split alone costs), and CPU per request
 *    in-process / shared (the gateway's own cost, which a saturated core 1 does not lower as it
 *    lowers req/s);
 * 2. how long an ejection on replica 1 takes to show on replica 2's `GET /admin/health`;
 * 3. client-visible errors while the private Redis is SIGKILLed and restarted under load.
 * Every request carries a client key with a rate limit and a budget, so each one pays for the
 * shared state (one Redis script that admits and reserves, one that settles) — with `auth` off no
 * request would touch Redis and part 1 would measure nothing.
 * Placement (2 cores): every Detour process on core 0 — two replicas share the one core a single
 * replica has to itself; load generator, upstreams, the private Redis and the private PostgreSQL on
 * core 1. The private PostgreSQL is a throwaway cluster (`initdb` from /usr/lib/postgresql/<v>/bin,
 * run as the `postgres` OS user, default settings) in a temp dir that is deleted afterwards; without
 * `initdb`, or with REPLICAS_PG set, the benchmark uses that server as it is, unpinned.
 * Environment: REPLICAS_ROUNDS (5), REPLICAS_SECONDS (5), REPLICAS_CONNECTIONS (32, in total),
 * REPLICAS_EJECTIONS (5), REPLICAS_WARMUP (5: seconds of load on each Detour process alone before the
 * rounds), REPLICAS_PG (a server to use instead of a private one; without initdb,
 * postgres://postgres@127.0.0.1:5432/test), REPLICAS_STORE (`sqlite`: each replica keeps its own
 * in-memory store, so only Redis is shared — a diagnosis run that leaves BENCHMARKS.md alone).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Target, type ThroughputResult, throughput } from './load.js';
import { fixed, median } from './percentile.js';
import {
  canPin,
  coreTicks,
  cpuSeconds,
  freePort,
  spawnPinned,
  startFixedUpstream,
  stop,
  waitForPort,
} from './processes.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const ROUNDS = Number(process.env.REPLICAS_ROUNDS ?? 5);
const SECONDS = Number(process.env.REPLICAS_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.REPLICAS_CONNECTIONS ?? 32);
const EJECTIONS = Number(process.env.REPLICAS_EJECTIONS ?? 5);
const WARMUP_SECONDS = Number(process.env.REPLICAS_WARMUP ?? 5);
const SHARED_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const POSTGRES_ROOT = '/usr/lib/postgresql';
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

/** Everything started, so that `finally` can take it all down whatever failed. */
const children = new Set<ChildProcess>();
const servers: Server[] = [];
let schemaCreated = false;
/** The private PostgreSQL, apart from `children`: it must stop after the replicas have closed their pools. */
let privatePostgres: ChildProcess | undefined;
let privatePostgresDir: string | undefined;

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

/** The newest PostgreSQL under /usr/lib/postgresql whose bin/ has `initdb`, if any. */
function findPostgresBin(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] === undefined ? undefined : join(POSTGRES_ROOT, versions[0], 'bin');
}

function userId(flag: '-u' | '-g', user: string): number {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' });
  const id = Number.parseInt(result.stdout, 10);
  if (result.status !== 0 || !Number.isInteger(id))
    throw new Error(`id ${flag} ${user}: ${result.stderr.trim()}`);
  return id;
}

/** Resolves once PostgreSQL answers a query: it accepts TCP connections before it has finished starting. */
async function waitForPostgres(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * A throwaway PostgreSQL cluster pinned to the side core, like the private Redis, so that PostgreSQL's
 * work lands on core 1 instead of competing with the replicas on core 0. Default settings (fsync and all);
 * initdb and the server run as the `postgres` OS user because both refuse to run as root. Answers the
 * URL of its `postgres` database.
 */
async function startPrivatePostgres(bin: string): Promise<string> {
  const uid = userId('-u', 'postgres');
  const gid = userId('-g', 'postgres');
  const dir = mkdtempSync(join(tmpdir(), 'detour-bench-pg-'));
  privatePostgresDir = dir;
  chownSync(dir, uid, gid);
  // cwd: the postgres user may not be allowed into the worktree.
  const initdb = spawnSync(
    'runuser',
    ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', dir, '--auth=trust'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  if (initdb.status !== 0) throw new Error(`initdb failed (${initdb.status}): ${initdb.stderr.trim()}`);
  const port = await freePort();
  // uid/gid instead of runuser: the spawned pid is then the postmaster itself, which a SIGINT shuts down fast.
  privatePostgres = spawnPinned(
    SIDE_CORE,
    join(bin, 'postgres'),
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir],
    { uid, gid, cwd: dir, stderrFile: join(OUT, 'replicas-postgres.log') },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForPort(port);
  await waitForPostgres(url);
  return url;
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

function config(
  upstreamUrl: string,
  failingUrl: string,
  shared: { redisPort: number; postgresUrl: string } | undefined,
): string {
  const pgUrl =
    shared === undefined
      ? ''
      : `${shared.postgresUrl}${shared.postgresUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${SCHEMA}`;
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
/** Per-round ratios: median (range; each round in order). */
const ratioLine = (ratios: number[]) =>
  `${fixed(median(ratios), 2)} (${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)}; rounds in order: ${ratios.map((r) => fixed(r, 2)).join(', ')})`;

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('a Detour process has no pid');
  return child.pid;
}

/** One of the four setups of part 1: the replicas driven at once, `connections` to each. */
interface Setup {
  name: string;
  replicas: { target: Target; pid: number }[];
  connections: number;
  /** The shared Redis's pid, for setups whose replicas use it. */
  redisPid?: number;
}

/** What each round of one setup measured. */
interface Samples {
  total: number[];
  /** Requests/s of each replica, indexed like `Setup.replicas`. */
  perReplica: number[][];
  /** The worse replica's percentile when there are two: autocannon gives no merged histogram. */
  p50: number[];
  p99: number[];
  /** utime + stime of the setup's Detour processes over the round, per request answered, in µs. */
  cpuUs: number[];
  /** utime + stime of the shared Redis over the round, per request answered, in µs (shared setups). */
  redisCpuUs: number[];
  /** Share of each core busy during the round, in % (whatever ran there, other jobs included). */
  core0: number[];
  core1: number[];
}

const emptySamples = (replicas: number): Samples => ({
  total: [],
  perReplica: Array.from({ length: replicas }, () => []),
  p50: [],
  p99: [],
  cpuUs: [],
  redisCpuUs: [],
  core0: [],
  core1: [],
});

const busyPercent = (before: { busy: number; total: number }, after: { busy: number; total: number }) =>
  (100 * (after.busy - before.busy)) / (after.total - before.total);

async function measureSetup(setup: Setup, seconds: number, samples: Samples, round: number): Promise<number> {
  const cpuBefore = setup.replicas.map((replica) => cpuSeconds(replica.pid));
  const redisBefore = setup.redisPid === undefined ? 0 : cpuSeconds(setup.redisPid);
  const coresBefore = [coreTicks(0), coreTicks(1)] as const;
  const results = await Promise.all(
    setup.replicas.map((replica) => throughput(replica.target, setup.connections, seconds)),
  );
  // Per replica in the log: with two on core 0, whether the scheduler gave them equal shares.
  const cpuEach = setup.replicas.map((replica, index) => cpuSeconds(replica.pid) - (cpuBefore[index] ?? 0));
  const cpuUsed = cpuEach.reduce((total, seconds) => total + seconds, 0);
  const coresAfter = [coreTicks(0), coreTicks(1)] as const;
  const requests = sum(results, (r) => r.requests);
  const total = sum(results, (r) => r.rps);
  const cpuUs = (cpuUsed * 1e6) / Math.max(1, requests);
  if (setup.redisPid !== undefined)
    samples.redisCpuUs.push(((cpuSeconds(setup.redisPid) - redisBefore) * 1e6) / Math.max(1, requests));
  samples.total.push(total);
  for (const [index, r] of results.entries()) samples.perReplica[index]?.push(r.rps);
  samples.p50.push(Math.max(...results.map((r) => r.p50)));
  samples.p99.push(Math.max(...results.map((r) => r.p99)));
  samples.cpuUs.push(cpuUs);
  samples.core0.push(busyPercent(coresBefore[0], coresAfter[0]));
  samples.core1.push(busyPercent(coresBefore[1], coresAfter[1]));
  log(
    `round ${round + 1} ${setup.name}, c=${results.map(() => setup.connections).join('+')}: ${results.map((r) => fixed(r.rps, 0)).join(' + ')}${results.length > 1 ? ` = ${fixed(total, 0)}` : ''} req/s, p50 ${results.map((r) => r.p50).join('/')} ms, p99 ${results.map((r) => r.p99).join('/')} ms, Detour CPU ${cpuEach.map((seconds) => fixed(seconds, 2)).join(' + ')} s = ${fixed(cpuUs, 0)} µs/request, cores busy ${fixed(samples.core0.at(-1) ?? Number.NaN, 0)} % / ${fixed(samples.core1.at(-1) ?? Number.NaN, 0)} %`,
  );
  return sum(results, (r) => r.errors);
}

/** Where the PostgreSQL used by the shared store comes from, and how to say so. */
interface Postgres {
  url: string;
  placement: string;
}

async function openPostgres(): Promise<Postgres> {
  const explicit = process.env.REPLICAS_PG;
  if (explicit !== undefined && explicit !== '')
    return {
      url: explicit,
      placement: 'the server at REPLICAS_PG (set explicitly; not started here, so not pinned)',
    };
  const bin = findPostgresBin();
  if (bin === undefined)
    return {
      url: SHARED_PG_URL,
      placement: `the machine's shared server at 127.0.0.1:5432 (no initdb under ${POSTGRES_ROOT}; not pinned)`,
    };
  return {
    url: await startPrivatePostgres(bin),
    placement: `a private cluster (${join(bin, 'initdb')} into a temp dir, default settings, deleted afterwards)${pinned ? ' on core 1' : ''}`,
  };
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const startedAt = new Date();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  let admin: pg.Client | undefined;
  try {
    const postgres = await openPostgres();
    const client = new pg.Client({ connectionString: postgres.url });
    // A server shutting down (an interrupted run stops the private cluster) is an 'error' event on an
    // idle client; without a listener it would end the process before the cleanup.
    client.on('error', () => undefined);
    await client.connect();
    admin = client;
    const postgresVersion = String(
      (await client.query('SHOW server_version')).rows[0]?.server_version ?? '?',
    );
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    schemaCreated = true;

    const upstream = await startFixedUpstream(SIDE_CORE);
    track(upstream.child);
    const upstreamPort = upstream.port;
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    const failingUrl = `http://127.0.0.1:${await startFailingUpstream()}`;
    const redisPort = await freePort();
    let redis = await startRedis(redisPort);

    const sharedPath = join(OUT, 'replicas-shared.yaml');
    writeFileSync(sharedPath, config(upstreamUrl, failingUrl, { redisPort, postgresUrl: postgres.url }));
    const localPath = join(OUT, 'replicas-local.yaml');
    writeFileSync(localPath, config(upstreamUrl, failingUrl, undefined));

    // Replica 1 first, so that it alone runs the store's migrations; then replica 2. The two
    // in-process replicas share only the config file: each has its own `:memory:` store.
    const [onePort, twoPort, localOnePort, localTwoPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const oneChild = await startDetour(sharedPath, onePort);
    const twoChild = await startDetour(sharedPath, twoPort);
    const localOneChild = await startDetour(localPath, localOnePort);
    const localTwoChild = await startDetour(localPath, localTwoPort);
    const sharedSecret = await createKey(onePort);
    const one = target(onePort, sharedSecret);
    const two = target(twoPort, SHARED_STORE === 'sqlite' ? await createKey(twoPort) : sharedSecret);
    const localOne = target(localOnePort, await createKey(localOnePort));
    const localTwo = target(localTwoPort, await createKey(localTwoPort));
    for (const t of [one, two, localOne, localTwo]) await waitForOk(t);
    const postgresLine = `PostgreSQL ${postgresVersion}: ${postgres.placement}`;
    log(
      `placement: ${pinned ? 'Detour processes on core 0; load generator, upstreams and private Redis on core 1 (taskset)' : 'taskset not available: nothing pinned'}; ${postgresLine}${SHARED_STORE === 'sqlite' ? ' (REPLICAS_STORE=sqlite: the replicas do not use it)' : ''}`,
    );

    // Part 1: four setups, same total connections: all on a single replica, or half on each of two.
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    const replica = (t: Target, child: ChildProcess) => ({ target: t, pid: pidOf(child) });
    const localSingle: Setup = {
      name: 'one replica, in-process state',
      replicas: [replica(localOne, localOneChild)],
      connections: CONNECTIONS,
    };
    const localPair: Setup = {
      name: 'two replicas, in-process state each',
      replicas: [replica(localOne, localOneChild), replica(localTwo, localTwoChild)],
      connections: half,
    };
    const sharedSingle: Setup = {
      name: 'one replica, shared state (replica 2 idle)',
      replicas: [replica(one, oneChild)],
      connections: CONNECTIONS,
      redisPid: pidOf(redis),
    };
    const sharedPair: Setup = {
      name: 'two replicas, shared state',
      replicas: [replica(one, oneChild), replica(two, twoChild)],
      connections: half,
      redisPid: pidOf(redis),
    };
    // Side by side: one in-process and one shared-state replica driven at once on core 0. The
    // scheduler gives each half the core at the same moments, so drift in the machine's speed hits
    // both alike and the ratio of their req/s is the ratio of their costs per request.
    const sideBySide: Setup = {
      name: 'side by side (in-process + shared state, at once)',
      replicas: [replica(localOne, localOneChild), replica(one, oneChild)],
      connections: CONNECTIONS,
    };
    const setups = [localSingle, sharedSingle, sharedPair, localPair, sideBySide];
    const samples = new Map(setups.map((setup) => [setup, emptySamples(setup.replicas.length)]));
    const of = (setup: Setup): Samples => samples.get(setup) ?? emptySamples(0);
    // Warm-up, not recorded: each process alone at full load first, so that a replica that only ever
    // runs in a pair is not still compiling its hot paths (on core 0, counted in its CPU) during the
    // rounds; then each setup once, for its connection pools and caches.
    for (const r of [localOne, localTwo, one, two]) await throughput(r, CONNECTIONS, WARMUP_SECONDS);
    for (const setup of setups)
      await Promise.all(setup.replicas.map((r) => throughput(r.target, setup.connections, 2)));
    let throughputErrors = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      // Rotate which setup goes first, so drift in the machine's load does not favour one.
      for (let index = 0; index < setups.length; index += 1) {
        const setup = setups[(index + round) % setups.length]!;
        throughputErrors += await measureSetup(setup, SECONDS, of(setup), round);
      }
    }
    const perRound = (top: number[], bottom: number[]) => top.map((value, index) => value / bottom[index]!);
    const issueRatios = perRound(of(sharedPair).total, of(localSingle).total);
    const pairRatios = perRound(of(sharedPair).total, of(localPair).total);
    const singleRatios = perRound(of(sharedSingle).total, of(localSingle).total);
    const cpuSingleRatios = perRound(of(localSingle).cpuUs, of(sharedSingle).cpuUs);
    const cpuPairRatios = perRound(of(localPair).cpuUs, of(sharedPair).cpuUs);
    const sideBySideRatios = perRound(of(sideBySide).perReplica[1] ?? [], of(sideBySide).perReplica[0] ?? []);

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
    const issueRatio = median(issueRatios);
    const columns = [localSingle, sharedSingle, localPair, sharedPair];
    const row = (label: string, cell: (setup: Setup) => string) =>
      `| ${label} | ${columns.map(cell).join(' | ')} |`;
    const replicaRps = (index: number) => (setup: Setup) => {
      const values = of(setup).perReplica[index];
      return values === undefined ? '—' : spread(values);
    };
    const sharedStore =
      SHARED_STORE === 'sqlite'
        ? "`store: { sqlite: ':memory:' }` (each replica its own: REPLICAS_STORE=sqlite)"
        : '`store: { postgres }` (a schema of its own, dropped afterwards)';
    const markdown = `## Replicas: shared state through Redis and PostgreSQL

\`npm run bench:replicas\` — ${startedAt.toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, redis-server ${redisVersion()}, ${postgresLine}.
${pinned ? '**Placement** (`taskset`): every Detour process on core 0 — two replicas share the one core a single replica has to itself; the load generator (autocannon, in the benchmark process), the fixed upstream, the failing upstream and the private Redis on core 1; PostgreSQL as above.' : 'taskset was not available: nothing was pinned.'}
1-minute load average ${fixed(loadBefore, 2)} at the start and ${fixed(loadAfter, 2)} at the end of the run (above 2, other jobs were competing for the two cores and the throughput rows are noisy).
Every request carries a client key with a rate limit and a budget, so each one makes two Redis calls: one script that checks the rate limit and reserves the budget, and one that settles both after the answer.
"Shared state": replica processes with ${sharedStore} and \`state: { redis }\` (a private \`redis-server --save '' --appendonly no\` on a free port). "In-process state": processes with \`store: { sqlite: ':memory:' }\` and no \`state:\`, each its own store and its own client key.
Four Detour processes run throughout (two of each kind); a setup drives one of them with ${CONNECTIONS} connections, or two of them at once with ${half} each (the side-by-side setup: ${CONNECTIONS} each), while the others idle. Same upstream; ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${SECONDS} s after a warm-up (each process alone with ${CONNECTIONS} connections for ${WARMUP_SECONDS} s — without it a replica that only ever runs in a pair was still compiling its hot paths during the first rounds, at two to three times the CPU per request of its twin in short check runs — then each setup for 2 s), the five setups (the table's four and the side-by-side one) rotating which goes first; median (range).
"Detour CPU per request": utime + stime of the setup's Detour processes (\`/proc/<pid>/stat\`, 10-ms ticks) over the round, divided by the requests answered in it — the gateway's own cost. It leaves out the load generator, upstreams, Redis and PostgreSQL, so a saturated core 1 lowers req/s but not this figure directly; it is not a constant either, since a process with fewer requests in flight shares less work per event-loop turn (Redis calls made in the same turn go as one batch).
"Redis CPU per request": the same reading of the private \`redis-server\` process (shared setups only): what the scripts cost Redis, on core 1.
"Cores busy": the share of each core not idle during the round (\`/proc/stat\`), whatever ran there, other jobs included; core 1 near 100 % means the load generator, upstreams, Redis or PostgreSQL — not Detour — set the pace.
\`REPLICAS_STORE=sqlite npm run bench:replicas\` shares only Redis (each replica its own in-memory store), to tell Redis's cost from PostgreSQL's; it prints its table and leaves this section alone.

${row('measure', (setup) => setup.name)}
| --- | --- | --- | --- | --- |
${row('connections', (setup) => setup.replicas.map(() => String(setup.connections)).join(' + '))}
${row('req/s, replica 1', replicaRps(0))}
${row('req/s, replica 2', replicaRps(1))}
${row('req/s, all replicas', (setup) => spread(of(setup).total))}
${row('latency p50 (ms; of two replicas, the worse)', (setup) => spread(of(setup).p50, 1))}
${row('latency p99 (ms; of two replicas, the worse)', (setup) => spread(of(setup).p99, 1))}
${row('Detour CPU per request (µs)', (setup) => spread(of(setup).cpuUs))}
${row('Redis CPU per request (µs)', (setup) => (of(setup).redisCpuUs.length > 0 ? spread(of(setup).redisCpuUs) : '—'))}
${row('core 0 busy (%)', (setup) => spread(of(setup).core0))}
${row('core 1 busy (%)', (setup) => spread(of(setup).core1))}

Non-200 or failed requests in these runs: ${throughputErrors}.

Ratios, per round (same round, so the same machine load), then median (range; rounds in order):
- Throughput, two replicas with shared state / one replica with in-process state — the issue's figure. It mixes two costs: shared state, and two processes splitting core 0 where the single replica has it alone: ${ratioLine(issueRatios)}; target ≥ 0.90 (within 10 %): ${issueRatio >= 0.9 ? 'met' : 'not met'}.
- Throughput, two replicas with shared state / two replicas with in-process state — both sides split core 0 the same way, so this isolates what shared state costs two replicas: ${ratioLine(pairRatios)}.
- Throughput, one replica with shared state / one replica with in-process state — no split on either side: what shared state costs one process: ${ratioLine(singleRatios)}.
- Side by side: one replica with shared state and one with in-process state driven at the same time with ${CONNECTIONS} connections each, on core 0 (the scheduler gives each half of it at the same moments, so a burst of other work on the machine slows both alike — the steadiest of these figures): shared / in-process req/s ${ratioLine(sideBySideRatios)}.
- Throughput, two replicas with in-process state / one replica with in-process state — no shared state on either side: what splitting core 0 between two processes costs by itself: ${ratioLine(perRound(of(localPair).total, of(localSingle).total))}.
- Detour CPU per request, in-process / shared (below 1: shared state costs the gateway more CPU per request; a saturated core 1 lowers req/s, not this): one replica ${ratioLine(cpuSingleRatios)}; two replicas ${ratioLine(cpuPairRatios)}.
- Added latency, two replicas with shared state − one with in-process state: p50 ${fixed(median(of(sharedPair).p50) - median(of(localSingle).p50), 1)} ms, p99 ${fixed(median(of(sharedPair).p99) - median(of(localSingle).p99), 1)} ms (autocannon's whole milliseconds).
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
    try {
      if (admin !== undefined) {
        if (schemaCreated) await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
        await admin.end();
      }
    } finally {
      // After the replicas, so that their pools are closed.
      await removePrivatePostgres();
    }
  }
}

/**
 * Interrupted (Ctrl-C, a time limit's SIGTERM): `finally` never runs then, so take down what was
 * started here, the private cluster and its directory included, before exiting.
 */
async function interrupted(signal: NodeJS.Signals): Promise<never> {
  log(`${signal}: stopping what the benchmark started`);
  for (const child of [...children]) child.kill('SIGKILL');
  await removePrivatePostgres();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/** Stops the private PostgreSQL, if one was started (SIGINT is its fast shutdown), and deletes its directory. */
async function removePrivatePostgres(): Promise<void> {
  if (privatePostgres !== undefined) await stop(privatePostgres, 'SIGINT', 30_000);
  if (privatePostgresDir !== undefined) rmSync(privatePostgresDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void interrupted(signal));

function redisVersion(): string {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? '?';
}

await main();
