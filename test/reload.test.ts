import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigError, type ConfigWatcher, loadConfigFile } from '../src/config/index.js';
import {
  type ReloadSummary,
  type RunningGateway,
  reloadOnChange,
  startGateway,
} from '../src/server/index.js';
import { type Simulator, startSimulator } from '../src/sim/index.js';
import { SqliteStore } from '../src/store/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';

// A config file is edited under a running gateway; the gateway watches it through the same
// function the CLI uses (`reloadOnChange`), and each test awaits the reload it caused.

const ADMIN_KEY = 'admin-key-1';

/** The knobs a test edits; everything else is the same in every version of the file. */
interface Version {
  bodyLimit?: string;
  models?: string;
  retry?: string;
  ejection?: string;
  status?: string;
}

const BASE_MODELS = `
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  n: { deployments: [ { provider: a, model: up-n }, { provider: b, model: up-n } ] }`;

function configText(simUrl: string, version: Version = {}): string {
  return `
server: { adminKey: ${ADMIN_KEY}, bodyLimit: ${version.bodyLimit ?? '4kb'} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1 }
  c: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/c/v1 }
models:${version.models ?? BASE_MODELS}
timeouts: { connect: 1s, firstToken: 2s, idle: 2s, total: 10s }
auth: { mode: off }
retry: ${version.retry ?? '{ budgetRatio: 0, budgetMinConcurrent: 1 }'}
health:
  ejection: ${version.ejection ?? '{ consecutiveFailures: 2, baseTime: 1h, maxTime: 2h, jitter: 0 }'}
  probes: { enabled: false }
status: ${version.status ?? '{ title: Before the edit, interval: 1h, enterAfter: 1h, leaveAfter: 1h, incidentAfter: 1h }'}
`;
}

type WatchEvent = { type: 'reload'; summary: ReloadSummary } | { type: 'error'; error: ConfigError };

/** Watcher callbacks in order; `next()` awaits the next one. */
class EventQueue {
  private readonly pending: WatchEvent[] = [];
  private waiting: ((event: WatchEvent) => void) | undefined;

  push(event: WatchEvent): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve === undefined) this.pending.push(event);
    else resolve(event);
  }

  next(): Promise<WatchEvent> {
    const event = this.pending.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

let sim: Simulator;
let folder: string;
let file: string;
let clock: OffsetClock;
let detour: RunningGateway;
let watcher: ConfigWatcher;
let events: EventQueue;
let logLines: Array<{ level: number; msg: string }>;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  sim.clearFaults();
  sim.resetStats();
  folder = await mkdtemp(join(tmpdir(), 'detour-reload-'));
  file = join(folder, 'detour.yaml');
  await writeFile(file, configText(sim.url));
  clock = new OffsetClock();
  logLines = [];
  const logs = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logLines.push(JSON.parse(line));
      done();
    },
  });
  detour = await startGateway(await loadConfigFile(file), {
    port: 0,
    host: '127.0.0.1',
    clock,
    random: seededRandom(3),
    store: new SqliteStore({ path: ':memory:' }),
    logger: { level: 'info', stream: logs },
  });
  events = new EventQueue();
  watcher = reloadOnChange(detour, file, {
    env: {},
    debounceMs: 20,
    onReload: (summary) => events.push({ type: 'reload', summary }),
    onError: (error) => events.push({ type: 'error', error }),
  });
});

afterEach(async () => {
  watcher.close();
  await detour.close();
  await rm(folder, { recursive: true, force: true });
});

/** Replaces the file as editors do (write beside it, rename over it), so no reader sees half a file. */
async function replaceFile(text: string): Promise<void> {
  const temporary = join(folder, 'detour.yaml.tmp');
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Rewrites the file and waits for the gateway to reload it. */
async function edit(version: Version): Promise<ReloadSummary> {
  await replaceFile(configText(sim.url, version));
  const event = await events.next();
  if (event.type === 'error') throw new Error(`the edit did not load: ${event.error.toString()}`);
  return event.summary;
}

async function ask(model: string, text = 'echo: hi'): Promise<{ status: number; deployment: string | null }> {
  const response = await fetch(`${detour.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
  });
  await response.text();
  return { status: response.status, deployment: response.headers.get('x-detour-deployment') };
}

function calls(host: string): number {
  return sim.stats().hosts[host]?.requests ?? 0;
}

/** Two host failures in a row eject (`consecutiveFailures: 2`); B answers both requests. */
async function eject(host: 'a', model: 'm' | 'n'): Promise<void> {
  sim.setFault({ host, model: `up-${model}`, fault: { type: 'status', status: 500 }, times: 2 });
  expect(await ask(model)).toEqual({ status: 200, deployment: `b/up-${model}` });
  expect(await ask(model)).toEqual({ status: 200, deployment: `b/up-${model}` });
  expect(detour.state.health.status(`${host}/up-${model}`).state).toBe('open');
}

async function publicComponents(): Promise<{ title: string; statuses: Map<string, string> }> {
  await detour.status.detector.evaluate();
  const response = await fetch(`${detour.url}/api/v2/components.json`);
  const body = (await response.json()) as {
    page: { name: string };
    components: Array<{ name: string; status: string }>;
  };
  return {
    title: body.page.name,
    statuses: new Map(body.components.map((entry) => [entry.name, entry.status])),
  };
}

async function adminHealthIds(): Promise<string[]> {
  const response = await fetch(`${detour.url}/admin/health`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const body = (await response.json()) as { deployments: Array<{ deployment: string }> };
  return body.deployments.map((row) => row.deployment);
}

describe('config reload under a running gateway', () => {
  it('applies a live edit at once: new deployment order, a new model, the status title', async () => {
    expect(await ask('n')).toMatchObject({ status: 200, deployment: 'a/up-n' });
    expect((await ask('fresh')).status).toBe(404);

    const summary = await edit({
      models: `${BASE_MODELS.replace(
        '{ provider: a, model: up-n }, { provider: b, model: up-n }',
        '{ provider: b, model: up-n }, { provider: c, model: up-n }',
      )}
  fresh: { deployments: [ { provider: c, model: up-fresh } ] }`,
      status: '{ title: After the edit, interval: 1h, enterAfter: 1h, leaveAfter: 1h, incidentAfter: 1h }',
    });

    expect(summary).toEqual({
      applied: ['models.n.deployments', 'models.fresh', 'status.title'],
      onRestart: [],
      deploymentsAdded: ['c/up-n', 'c/up-fresh'],
      deploymentsRemoved: ['a/up-n'],
    });
    sim.resetStats();
    expect(await ask('n')).toMatchObject({ status: 200, deployment: 'b/up-n' });
    expect(await ask('fresh')).toMatchObject({ status: 200, deployment: 'c/up-fresh' });
    expect(calls('a')).toBe(0);
    const page = await publicComponents();
    expect(page.title).toBe('After the edit');
    const html = await (await fetch(`${detour.url}/status`)).text();
    expect(html).toContain('<h1>After the edit</h1>');
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 30,
        msg: 'config reloaded: applied models.n.deployments, models.fresh, status.title',
      }),
    );
  });

  it('restarts the detector on a new status interval at once', async () => {
    // Each evaluation publishes a new snapshot; under the hour-long interval none comes on its own.
    const before = detour.status.detector.snapshot();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(detour.status.detector.snapshot()).toBe(before);
    const summary = await edit({
      status: '{ title: Before the edit, interval: 20ms, enterAfter: 1h, leaveAfter: 1h, incidentAfter: 1h }',
    });
    expect(summary.applied).toEqual(['status.interval']);
    const end = Date.now() + 5_000;
    while (detour.status.detector.snapshot() === before && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(detour.status.detector.snapshot()).not.toBe(before);
  });

  it('keeps the health of every deployment still configured: an ejected host stays ejected', async () => {
    await eject('a', 'm');
    // An edit of the breaker knobs themselves: breakers take the new knobs and keep their state.
    const summary = await edit({
      ejection: '{ consecutiveFailures: 3, baseTime: 1h, maxTime: 2h, jitter: 0 }',
    });
    expect(summary.applied).toEqual(['health.ejection.consecutiveFailures']);

    expect(detour.state.health.status('a/up-m')).toMatchObject({ state: 'open', ejectionCount: 1 });
    sim.resetStats();
    expect(await ask('m')).toMatchObject({ status: 200, deployment: 'b/up-m' });
    expect(calls('a')).toBe(0);
    // The new threshold applies to a breaker that existed before the edit: two failures no longer eject.
    sim.setFault({ host: 'a', model: 'up-n', fault: { type: 'status', status: 500 }, times: 2 });
    await ask('n');
    await ask('n');
    expect(detour.state.health.window('a/up-n').consecutiveFailures).toBe(2);
    expect(detour.state.health.status('a/up-n').state).toBe('closed');
  });

  it('forgets a removed deployment (gone from routing, admin health and the status page); back in the file, it starts fresh', async () => {
    await eject('a', 'n');
    const removed = await edit({
      models: BASE_MODELS.replace('{ provider: a, model: up-n }, ', ''),
    });
    expect(removed.deploymentsRemoved).toEqual(['a/up-n']);
    expect(await adminHealthIds()).toEqual(['a/up-m', 'b/up-m', 'b/up-n']);
    expect([...(await publicComponents()).statuses.keys()]).not.toContain('a/up-n');
    expect(detour.state.health.snapshot().map((entry) => entry.id)).not.toContain('a/up-n');

    const restored = await edit({});
    expect(restored.deploymentsAdded).toEqual(['a/up-n']);
    expect(detour.state.health.status('a/up-n')).toMatchObject({ state: 'closed', ejectionCount: 0 });
    expect(await ask('n')).toMatchObject({ status: 200, deployment: 'a/up-n' });
  });

  it('applies a retry budget change at once and keeps the retry slots in use', async () => {
    // Another request's failover holds the only slot (`max(1, 0 × requests)`).
    const now = clock.now();
    expect(detour.state.budget('m').tryAcquire(now)).toBe(true);
    sim.setFault({ host: 'a', model: 'up-m', fault: { type: 'status', status: 500 }, times: 1 });
    expect(await ask('m')).toMatchObject({ status: 502 });
    expect(calls('b')).toBe(0);

    const summary = await edit({ retry: '{ budgetRatio: 1, budgetMinConcurrent: 1 }' });
    expect(summary.applied).toEqual(['retry.budgetRatio']);
    expect(detour.state.budget('m').stats(clock.now())).toMatchObject({ activeRetries: 1, requests: 1 });
    sim.setFault({ host: 'a', model: 'up-m', fault: { type: 'status', status: 500 }, times: 1 });
    // Now `max(1, 1 × 2 requests)` = 2 slots: the failover gets the second.
    expect(await ask('m')).toMatchObject({ status: 200, deployment: 'b/up-m' });
    detour.state.budget('m').release();
  });

  it('applies status timings to status changes already under way, for models and deployments', async () => {
    // Both hosts of n fail: both deployments are ejected, and its clients get errors (5 calls make
    // a model's minute count).
    sim.setFault({ host: '*', model: 'up-n', fault: { type: 'status', status: 500 } });
    for (let index = 0; index < 5; index += 1) expect((await ask('n')).status).toBeGreaterThanOrEqual(500);
    const before = (await publicComponents()).statuses;
    expect([before.get('n'), before.get('a/up-n'), before.get('b/up-n')]).toEqual([
      'operational',
      'operational',
      'operational',
    ]);
    await edit({
      status: '{ title: Before the edit, interval: 1h, enterAfter: 1s, leaveAfter: 1h, incidentAfter: 1h }',
    });
    clock.advance(2_000);
    const after = (await publicComponents()).statuses;
    expect([after.get('n'), after.get('a/up-n'), after.get('b/up-n')]).toEqual([
      'major_outage',
      'major_outage',
      'major_outage',
    ]);
  });

  it('does not apply a restart-only change, logs it as taking effect on restart, and says so again at the next reload', async () => {
    const large = `echo: ${'x'.repeat(2_000)}`;
    expect((await ask('m', large)).status).toBe(200);

    const summary = await edit({ bodyLimit: '1kb' });
    expect(summary).toEqual({
      applied: [],
      onRestart: ['server.bodyLimit'],
      deploymentsAdded: [],
      deploymentsRemoved: [],
    });
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'server.bodyLimit changed: takes effect on restart' }),
    );
    expect((await ask('m', large)).status).toBe(200);

    const next = await edit({
      bodyLimit: '1kb',
      status: '{ title: Later, interval: 1h, enterAfter: 1h, leaveAfter: 1h, incidentAfter: 1h }',
    });
    expect(next).toMatchObject({ applied: ['status.title'], onRestart: ['server.bodyLimit'] });
    expect((await ask('m', large)).status).toBe(200);
  });

  it('keeps the last good config when an edit does not load, and logs why', async () => {
    await edit({ models: `${BASE_MODELS}\n  fresh: { deployments: [ { provider: c, model: up-fresh } ] }` });
    await replaceFile(configText(sim.url).replace('models:', 'modles:'));
    const event = await events.next();
    expect(event.type).toBe('error');
    expect(await ask('fresh')).toMatchObject({ status: 200, deployment: 'c/up-fresh' });
    expect(
      logLines.some((line) => line.level === 50 && line.msg.includes('the last good config stays live')),
    ).toBe(true);
  });

  it("keeps the last good config when a provider's credentials file cannot be read, naming provider and file", async () => {
    const missing = join(folder, 'missing-key.json');
    await replaceFile(
      configText(sim.url, {
        models: `${BASE_MODELS}\n  on-vertex: { deployments: [ { provider: vx, model: gemini-2.5-flash } ] }`,
      }).replace(
        'providers:\n',
        `providers:\n  vx: { protocol: vertex, project: p, region: us-east5, credentials: ${missing} }\n`,
      ),
    );
    const event = await events.next();

    expect(event.type).toBe('error');
    expect(event.type === 'error' && event.error.message).toBe(
      `${file}: provider "vx": credentials file ${JSON.stringify(missing)} cannot be read (ENOENT)`,
    );
    expect((await ask('on-vertex')).status).toBe(404);
    expect(await ask('m')).toMatchObject({ status: 200, deployment: 'a/up-m' });
    // The watcher lives on: the next good edit loads.
    await edit({ models: `${BASE_MODELS}\n  fresh: { deployments: [ { provider: c, model: up-fresh } ] }` });
    expect(await ask('fresh')).toMatchObject({ status: 200, deployment: 'c/up-fresh' });
  });
});
