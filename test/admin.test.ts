import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatHealthTable } from '../src/cli/run-health.js';
import { ManualClock } from '../src/core/index.js';
import type { DeploymentHealthRow } from '../src/server/index.js';
import { resetHealth, type Stack, startStack, twoHostConfig } from './support/start-stack.js';

const ADMIN_KEY = 'admin-secret-1';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) =>
      `${twoHostConfig(simUrl)}server: { adminKey: ${ADMIN_KEY} }\nhealth: { probes: { enabled: false } }\n`,
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

async function admin(method: string, path: string, body?: unknown, key = ADMIN_KEY) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function ask(model: string): Promise<{ status: number; deployment: string | null }> {
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: hi' }] }),
  });
  await response.text();
  return { status: response.status, deployment: response.headers.get('x-detour-deployment') };
}

function rows(body: Record<string, unknown>): DeploymentHealthRow[] {
  return body.deployments as DeploymentHealthRow[];
}

describe('admin API', () => {
  it('refuses a missing or wrong key without saying what the key is', async () => {
    const wrong = await admin('GET', '/admin/health', undefined, 'nope');
    expect(wrong.status).toBe(401);
    const none = await fetch(`${stack.detour.url}/admin/health`);
    expect(none.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain(ADMIN_KEY);
  });

  it('lists every configured deployment with its live health', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 }, times: 2 });
    await ask('m');
    await ask('m');
    const { status, body } = await admin('GET', '/admin/health');
    expect(status).toBe(200);
    const byId = new Map(rows(body).map((row) => [row.deployment, row]));
    expect([...byId.keys()]).toEqual(['a/up-m', 'b/up-m', 'a/up-solo']);
    expect(byId.get('a/up-m')).toMatchObject({
      provider: 'a',
      models: ['m'],
      consecutiveFailures: 2,
      status: { state: 'closed' },
      windows: { oneMinute: { failures: 2, total: 2 } },
    });
    expect(byId.get('b/up-m')?.windows.oneMinute.successes).toBe(2);
    const table = formatHealthTable(rows(body), body.now as number);
    expect(table.split('\n')[0]).toMatch(/^DEPLOYMENT\s+MODELS\s+STATE/);
    expect(table).toMatch(/a\/up-m\s+m\s+closed\s+0\/2\s+100\.0\s+2\s+0/);
  });

  it('drains one model: its traffic moves, other models on the same provider are untouched', async () => {
    const drained = await admin('POST', '/admin/deployments/drain', { deployment: 'a/up-m' });
    expect(drained.status).toBe(200);
    expect(rows(drained.body).map((row) => [row.deployment, row.status.drained])).toEqual([['a/up-m', true]]);
    expect((await ask('m')).deployment).toBe('b/up-m');
    expect((await ask('solo')).deployment).toBe('a/up-solo');
    expect(stack.sim.stats().hosts.a?.requests).toBe(1);
    await admin('POST', '/admin/deployments/enable', { deployment: 'a/up-m' });
    expect((await ask('m')).deployment).toBe('a/up-m');
  });

  it('drains a whole provider, and force-enables a deployment over an open breaker', async () => {
    await admin('POST', '/admin/deployments/drain', { provider: 'a' });
    expect((await ask('m')).deployment).toBe('b/up-m');
    expect((await ask('solo')).status).toBe(503);
    await admin('POST', '/admin/deployments/enable', { provider: 'a' });

    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 }, times: 5 });
    for (let index = 0; index < 5; index += 1) await ask('m');
    expect(stack.detour.state.health.status('a/up-m').state).toBe('open');
    const forced = await admin('POST', '/admin/deployments/force-enable', { model: 'm' });
    expect(rows(forced.body).map((row) => row.deployment)).toEqual(['a/up-m', 'b/up-m']);
    expect((await ask('m')).deployment).toBe('a/up-m');
    const reset = await admin('POST', '/admin/deployments/reset', { deployment: 'a/up-m' });
    expect(rows(reset.body)[0]).toMatchObject({
      ejectionCount: 0,
      status: { state: 'closed', forced: false },
    });
  });

  it('re-enables a deployment disabled by a rejected key', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 401 }, times: 1 });
    await ask('m');
    expect(stack.detour.state.health.status('a/up-m').disabled).toBe('auth');
    expect((await ask('m')).deployment).toBe('b/up-m');
    await admin('POST', '/admin/deployments/enable', { deployment: 'a/up-m' });
    expect((await ask('m')).deployment).toBe('a/up-m');
  });

  it('answers bad selectors and actions with a 4xx naming the problem', async () => {
    const two = await admin('POST', '/admin/deployments/drain', { model: 'm', provider: 'a' });
    expect(two.status).toBe(400);
    expect(JSON.stringify(two.body)).toContain('exactly one');
    const unknown = await admin('POST', '/admin/deployments/drain', { model: 'nope' });
    expect(unknown.status).toBe(404);
    const action = await admin('POST', '/admin/deployments/explode', { model: 'm' });
    expect(action.status).toBe(404);
  });

  it('names the field and the problem in each refusal', async () => {
    const two = await admin('POST', '/admin/deployments/drain', { model: 'm', provider: 'a' });
    expect(two.body.error).toMatchObject({
      message: 'admin selector: give exactly one of `deployment`, `model` or `provider`',
    });
    expect((two.body.error as { param?: unknown }).param ?? null).toBeNull();
    const empty = await admin('POST', '/admin/deployments/drain', { deployment: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ param: 'deployment' });
    expect((empty.body.error as { message: string }).message).toMatch(/^admin selector: deployment: ./);
    const unknown = await admin('POST', '/admin/deployments/drain', { model: 'nope' });
    expect(unknown.body.error).toMatchObject({
      message: "no configured deployment matches model 'nope'",
      param: 'model',
    });
    const action = await admin('POST', '/admin/deployments/explode', { model: 'm' });
    expect(action.body.error).toMatchObject({
      message: "unknown action 'explode'; use one of drain, enable, force-enable, reset",
    });
  });

  it('takes the admin key with spaces around it, and refuses a client key with 403 saying why', async () => {
    expect((await admin('GET', '/admin/health', undefined, `  ${ADMIN_KEY}  `)).status).toBe(200);
    const basic = await fetch(`${stack.detour.url}/admin/health`, {
      headers: { authorization: `Basic ${ADMIN_KEY}` },
    });
    expect(basic.status).toBe(401);
    expect(await basic.json()).toMatchObject({ error: { message: 'admin API: missing or wrong admin key' } });
    const clientKey = await admin('GET', '/admin/health', undefined, 'dtr_someclientkey');
    expect(clientKey.status).toBe(403);
    expect(clientKey.body.error).toMatchObject({
      message: 'admin API: client keys are not accepted here; use the admin key (server.adminKey)',
    });
  });

  it('enable undoes every switch at once: drained, forced and disabled', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 401 }, times: 1 });
    await ask('m');
    await admin('POST', '/admin/deployments/drain', { deployment: 'a/up-m' });
    await admin('POST', '/admin/deployments/force-enable', { deployment: 'a/up-m' });
    const before = stack.detour.state.health.status('a/up-m');
    expect([before.drained, before.forced, before.disabled]).toEqual([true, true, 'auth']);
    const enabled = await admin('POST', '/admin/deployments/enable', { deployment: 'a/up-m' });
    expect(rows(enabled.body)[0]?.status).toMatchObject({ drained: false, forced: false });
    expect(stack.detour.state.health.status('a/up-m').disabled).toBeUndefined();
    const drainedOnly = await admin('POST', '/admin/deployments/drain', { deployment: 'a/up-m' });
    expect(rows(drainedOnly.body)[0]?.status).toMatchObject({ drained: true, forced: false });
    await admin('POST', '/admin/deployments/enable', { deployment: 'a/up-m' });
  });
});

describe('admin API without an admin key', () => {
  it('is off', async () => {
    const plain = await startStack();
    try {
      const response = await fetch(`${plain.detour.url}/admin/health`, {
        headers: { authorization: 'Bearer x' },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        error: { message: 'the admin API is off: set server.adminKey to enable it' },
      });
    } finally {
      await plain.close();
    }
  });
});

describe('guessing the admin key', () => {
  it('refuses an address for the rest of the minute after 10 wrong keys, even with the right one; no key at all and a success do not count', async () => {
    const clock = new ManualClock();
    const guarded = await startStack({
      config: (simUrl) => `${twoHostConfig(simUrl)}server: { adminKey: ${ADMIN_KEY} }\n`,
      detour: { clock },
    });
    try {
      const call = async (key: string | undefined) => {
        const response = await fetch(`${guarded.detour.url}/admin/health`, {
          headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
        });
        return {
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: await response.json(),
        };
      };
      for (let index = 0; index < 20; index += 1) expect((await call(undefined)).status).toBe(401);
      for (let index = 0; index < 9; index += 1) expect((await call(`wrong-${index}`)).status).toBe(401);
      expect((await call(ADMIN_KEY)).status).toBe(200);
      for (let index = 0; index < 10; index += 1) expect((await call(`wrong-${index}`)).status).toBe(401);
      clock.advance(15_000);
      const refused = await call(ADMIN_KEY);
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBe('45');
      expect(refused.body).toMatchObject({
        error: { message: 'admin API: too many wrong admin keys from this address; try again later' },
      });
      expect((await call('wrong-again')).status).toBe(429);
      clock.advance(45_000);
      expect((await call(ADMIN_KEY)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
