import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CanaryTally } from '../src/canaries/types.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { runExplain } from '../src/cli/run-explain.js';
import { ManualClock } from '../src/core/index.js';
import type { ModelExplanation } from '../src/incidents/index.js';
import type { CanaryTallies } from '../src/server/gateway.js';
import { seededRandom } from './support/offset-clock.js';
import { requestLogRow } from './support/request-log-row.js';
import { type Stack, startStack } from './support/start-stack.js';

// Issue 15 item 7: `GET /admin/explain` and `detour explain` through the real gateway and simulator.
// Every delay is waited out on a manual clock (the simulator moves it), so each first-token time is
// exactly what the fault says however loaded the machine is, and a clean host's is exactly 0 ms.

const ADMIN_KEY = 'explain-admin-key';
const HOUR = 3_600_000;

let stack: Stack | undefined;
let clock = new ManualClock();

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  clock = new ManualClock();
});

async function start(canaryTallies?: CanaryTallies): Promise<Stack> {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:    { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  solo: { deployments: [ { provider: a, model: up-solo } ] }
timeouts: { connect: 1s, firstToken: 5s, idle: 5s, total: 10s }
retry: { backoffBase: 10ms, backoffMax: 50ms }
health: { probes: { enabled: false } }
status: { interval: 1h }
`,
    sim: { wait: async (ms) => clock.advance(ms) },
    detour: { clock, random: seededRandom(5), ...(canaryTallies === undefined ? {} : { canaryTallies }) },
  });
  return stack;
}

async function ask(count: number, options: { model?: string; stream?: boolean } = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${stack!.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: options.model ?? 'm',
        stream: options.stream ?? false,
        messages: [{ role: 'user', content: 'echo: fine' }],
      }),
    });
    await response.text();
    statuses.push(response.status);
  }
  return statuses;
}

async function explain(query: string, key = ADMIN_KEY): Promise<{ status: number; body: unknown }> {
  await stack!.detour.requestLog?.flush();
  const response = await fetch(`${stack!.detour.url}/admin/explain?${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: await response.json() };
}

async function explanation(query = 'model=m&since=2h'): Promise<ModelExplanation> {
  const { status, body } = await explain(query);
  expect(status).toBe(200);
  return body as ModelExplanation;
}

const host = (result: ModelExplanation, deployment: string) =>
  result.hosts.find((entry) => entry.deployment === deployment)!;

describe('GET /admin/explain', () => {
  it('says capacity for a 529 storm on one host of two, with no user errors and canaries unaffected', async () => {
    const tallies: CanaryTally[] = [
      {
        deployment: 'a/up-m',
        model: 'm',
        suite: 'arithmetic',
        graded: 0,
        passed: 0,
        unanswered: 6,
        costUsd: 0,
      },
      {
        deployment: 'b/up-m',
        model: 'm',
        suite: 'arithmetic',
        graded: 50,
        passed: 49,
        unanswered: 0,
        costUsd: 0,
      },
    ];
    await start(async () => tallies);
    stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    expect(await ask(12)).toEqual(Array(12).fill(200));
    const result = await explanation();
    expect(result.verdict).toBe('capacity');
    expect(result.users).toMatchObject({ requests: 12, errors: 0 });
    const a = host(result, 'a/up-m');
    // Five in a row eject A; the rest go straight to B.
    expect(a.errors).toEqual({ overloaded: 5 });
    expect(a.reachedUsers).toBe(0);
    expect(host(result, 'b/up-m')).toMatchObject({ attempts: 12, successes: 12, errors: {} });
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'capacity',
        deployment: 'a/up-m',
        affected: 5,
        outOf: 5,
        reachedUsers: 0,
      }),
    ]);
    expect(result.bucketMs).toBe(60_000);
    expect(a.buckets).toHaveLength(120);
    expect(a.buckets.at(-1)?.errors).toEqual({ overloaded: 5 });
    expect(result.summary).toBe(
      'Overloaded on a/up-m: 5 of 5 attempts (100 %) in the last 2h; 0 reached users after failover; canary pass rate 98 % on the hosts that answered: model quality unaffected. Users of m: 0 of 12 requests ended in an error.',
    );
  });

  it('says infrastructure for a 500 storm, and counts what users saw on a model with one host', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    expect(await ask(8)).toEqual(Array(8).fill(200));
    const result = await explanation();
    expect(result.verdict).toBe('infrastructure');
    expect(result.findings[0]).toMatchObject({
      kind: 'infrastructure',
      classes: { server_error: 5 },
      reachedUsers: 0,
    });
    expect(result.summary).toContain('no canary runs in the window: quality not measured');

    expect((await ask(3, { model: 'solo' })).every((status) => status >= 500)).toBe(true);
    const solo = await explanation('model=solo&since=2h');
    expect(solo.verdict).toBe('infrastructure');
    expect(solo.users).toMatchObject({ requests: 3, errors: 3 });
    const failed = Object.values(host(solo, 'a/up-solo').errors).reduce((a, b) => a + b, 0);
    expect(host(solo, 'a/up-solo').reachedUsers).toBe(failed);
    expect(solo.findings[0]?.reachedUsers).toBe(failed);
  });

  it('says latency when time to first token is 4× the host’s usual, with no errors', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 40 } });
    expect(await ask(6, { stream: true })).toEqual(Array(6).fill(200));
    // The usual comes from the log before the window: three hours on, those rows are outside it.
    clock.advance(3 * HOUR);
    stack!.sim.clearFaults();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 160 } });
    expect(await ask(6, { stream: true })).toEqual(Array(6).fill(200));
    const result = await explanation();
    expect(result.verdict).toBe('latency');
    const a = host(result, 'a/up-m');
    expect(a.ttft).toMatchObject({ p50Ms: 160, samples: 6 });
    expect(a.baseline).toMatchObject({ p50Ms: 40, source: 'log', samples: 6 });
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'latency', deployment: 'a/up-m', affected: 6 }),
    ]);
    expect(result.summary).toContain('p50 160 ms against its usual 40 ms (4.0×)');
  });

  it('does not call 1.5× slower a latency problem', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 40 } });
    await ask(6, { stream: true });
    clock.advance(3 * HOUR);
    stack!.sim.clearFaults();
    stack!.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 60 } });
    await ask(6, { stream: true });
    expect((await explanation()).verdict).toBe('nothing');
  });

  it('says configuration for a revoked vendor key on one host', async () => {
    await start();
    stack!.sim.setFault({
      host: 'a',
      fault: { type: 'status', status: 401, errorType: 'authentication_error', message: 'invalid api key' },
    });
    expect(await ask(6)).toEqual(Array(6).fill(200));
    const result = await explanation();
    expect(result.verdict).toBe('configuration');
    // One 401 disables the deployment: it is asked once.
    expect(host(result, 'a/up-m').errors).toEqual({ auth: 1 });
    expect(result.findings[0]?.sentence).toContain('our side');
    expect(JSON.stringify(result)).not.toContain('key-a-secret');
  });

  it('says nothing for clean traffic', async () => {
    await start();
    expect(await ask(10)).toEqual(Array(10).fill(200));
    const result = await explanation();
    expect(result.verdict).toBe('nothing');
    expect(result.findings).toEqual([]);
    expect(result.users).toMatchObject({ requests: 10, errors: 0 });
    expect(result.summary).toMatch(/^Nothing found on m in the last 2h: 10 attempts on 2 hosts, 0 failed/);
  });

  it('says quality when one host’s canary pass rate drops while errors are normal', async () => {
    const queries: Array<{ from: number; to: number; model: string }> = [];
    await start(async (query) => {
      queries.push(query);
      // Runs in the window's last slice (it reaches now) and in the period before the window.
      const last = query.to > clock.now();
      const before = query.to <= clock.now() + 1 - 2 * HOUR;
      if (!last && !before) return [];
      return [
        {
          deployment: 'a/up-m',
          model: 'm',
          suite: 'arithmetic',
          graded: 20,
          passed: last ? 12 : 20,
          unanswered: 0,
          costUsd: 0,
        },
        {
          deployment: 'b/up-m',
          model: 'm',
          suite: 'arithmetic',
          graded: 20,
          passed: 20,
          unanswered: 0,
          costUsd: 0,
        },
      ];
    });
    expect(await ask(10)).toEqual(Array(10).fill(200));
    const result = await explanation();
    expect(queries.every((query) => query.model === 'm')).toBe(true);
    expect(result.verdict).toBe('quality');
    const canaries = host(result, 'a/up-m').canaries;
    expect(canaries).toMatchObject({ graded: 20, passed: 12, passRate: 0.6, baselinePassRate: 1 });
    // 120 one-minute buckets in 12 slices of 10 minutes; only the last had runs.
    expect(canaries?.slices).toHaveLength(12);
    expect(canaries?.slices.at(-1)).toMatchObject({ graded: 20, passed: 12, passRate: 0.6 });
    expect(canaries?.slices.slice(0, -1).every((slice) => slice.graded === 0)).toBe(true);
    expect(queries).toHaveLength(13);
    // The period before the window is the day before it; the slices tile the window in order.
    const to = clock.now() + 1;
    const from = to - 2 * HOUR;
    expect(queries[0]).toEqual({ from: from - 24 * HOUR, to: from, model: 'm' });
    expect(queries.slice(1).map((query) => [query.from, query.to])).toEqual(
      Array.from({ length: 12 }, (_, index) => [from + index * 600_000, from + (index + 1) * 600_000]),
    );
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'quality', deployment: 'a/up-m', affected: 8 }),
    ]);
    expect(result.summary).toMatch(
      /^Canary pass rate on a\/up-m fell to 60 % \(12 of 20\) from 100 % \(its own rate before\) in the last 2h, while its errors are normal/,
    );
  });

  it('reads the window past one page of the log, and says when it stopped at twenty', async () => {
    const store = (await start()).detour.status.store;
    const now = clock.now();
    // 1,500 requests in the last hour, 1,200 with a first-token time in the day before a 1h window.
    const inWindow = Array.from({ length: 1_500 }, (_, index) =>
      requestLogRow(`w${index}`, now - index * 1_000, index < 300 ? { status: 500, outcome: 'error' } : {}),
    );
    const earlier = Array.from({ length: 1_200 }, (_, index) =>
      requestLogRow(`b${index}`, now - 2 * HOUR - index * 1_000, { stream: true, timeToFirstTokenMs: 40 }),
    );
    await store.insertRequestLogs([...inWindow, ...earlier]);
    const result = await explanation('model=m&since=1h');
    expect(result.users).toMatchObject({ requests: 1_500, errors: 300 });
    expect(result.truncated).toBe(false);
    // The usual first-token time comes from one page of the day before.
    expect(host(result, 'a/up-m').baseline).toMatchObject({ source: 'log', samples: 1_000, p50Ms: 40 });

    const more = Array.from({ length: 19_000 }, (_, index) => requestLogRow(`x${index}`, now - 100 - index));
    await store.insertRequestLogs(more);
    const capped = await explanation('model=m&since=1h');
    expect(capped.truncated).toBe(true);
    expect(capped.users.requests).toBe(20_000);
  });

  it('takes a window from 1m to 7d exactly, trimmed, and names the query in its errors', async () => {
    await start();
    for (const since of ['1m', '7d', ' 2h ']) {
      const { status, body } = await explain(`model=m&since=${encodeURIComponent(since)}`);
      expect(status, since).toBe(200);
      expect((body as ModelExplanation).since, since).toBe(since.trim());
    }
    for (const since of ['59s', '169h']) {
      const { status, body } = await explain(`model=m&since=${since}`);
      expect(status, since).toBe(400);
      expect(body, since).toMatchObject({
        error: {
          param: 'since',
          message: 'explain query: since: a duration from 1m to 7d, such as 30m, 2h or 1d',
        },
      });
    }
    const unknown = await explain('model=nope');
    expect(unknown.body).toMatchObject({ error: { message: "model 'nope' is not configured" } });
    // Each host's live breaker state comes with it.
    const solo = await explanation('model=solo');
    expect(solo.hosts.map((entry) => [entry.deployment, entry.live?.state])).toEqual([
      ['a/up-solo', 'closed'],
    ]);
  });

  it('answers 400 naming the field, 404 for an unknown model, 401 without the admin key', async () => {
    await start();
    const missing = await explain('since=2h');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { param: 'model' } });
    const badSince = await explain('model=m&since=soon');
    expect(badSince.status).toBe(400);
    expect(badSince.body).toMatchObject({ error: { param: 'since' } });
    expect((await explain('model=m&since=30d')).status).toBe(400);
    const unknown = await explain('model=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { param: 'model' } });
    expect((await explain('model=m', 'wrong')).status).toBe(401);
  });
});

describe('detour explain', () => {
  it('prints the timelines and the verdict, --json parses, and failures exit non-zero', async () => {
    await start();
    stack!.sim.setFault({ host: 'a', fault: { type: 'status', status: 529 } });
    await ask(8);
    await stack!.detour.requestLog?.flush();
    let out = '';
    let err = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    const common = ['--url', stack!.detour.url, '--admin-key', ADMIN_KEY];
    try {
      expect(await runExplain([...common, '--model', 'm', '--since', '2h'])).toBe(0);
      expect(out).toContain('verdict: capacity');
      expect(out).toContain('a/up-m');
      expect(out).toMatch(/errors\s+\S*█\s+5 \(overloaded 5\)/);
      out = '';
      expect(await runExplain([...common, '--model', 'm', '--json'])).toBe(0);
      expect((JSON.parse(out) as ModelExplanation).verdict).toBe('capacity');
      expect(await runExplain([...common, '--model', 'nope'])).toBe(EXIT.notFound);
      expect(err).toContain('HTTP 404');
      expect(await runExplain([...common, '--model', 'm', '--since', 'soon'])).toBe(EXIT.usage);
      expect(await runExplain(['--url', stack!.detour.url, '--admin-key', 'wrong', '--model', 'm'])).toBe(
        EXIT.unauthorized,
      );
      expect(await runExplain(common)).toBe(EXIT.usage);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
