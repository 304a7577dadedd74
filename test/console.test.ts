import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentHealthRow } from '../src/server/index.js';
import type { RequestLogRow } from '../src/store/index.js';
import { requestLogRow } from './support/request-log-row.js';
import { resetHealth, type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// The operator console over real HTTP in front of the simulator: login, session cookie, CSRF, and
// every page's content.

const ADMIN_KEY = 'console-admin-secret';
let stack: Stack;
let cookie: string;

async function get(path: string, withCookie: string | null = cookie) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    redirect: 'manual',
    headers: withCookie === null ? {} : { cookie: withCookie },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function post(path: string, form: Record<string, string>, withCookie: string | null = cookie) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(withCookie === null ? {} : { cookie: withCookie }),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function login(): Promise<string> {
  const response = await post('/console/login', { adminKey: ADMIN_KEY }, null);
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] ?? '';
}

function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error('no CSRF token on the page');
  return match[1];
}

async function adminHealth(): Promise<DeploymentHealthRow[]> {
  const response = await fetch(`${stack.detour.url}/admin/health`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.json()) as { deployments: DeploymentHealthRow[] }).deployments;
}

const drained = async (id: string) =>
  (await adminHealth()).find((row) => row.deployment === id)?.status.drained;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) =>
      `${twoHostConfig(simUrl)}server: { adminKey: ${ADMIN_KEY} }\nhealth: { probes: { enabled: false } }\n`,
  });
  cookie = await login();
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  resetHealth(stack);
});

describe('console login', () => {
  it('sends every page to the login form before login, and the JSON endpoint answers 401', async () => {
    for (const page of ['health', 'incidents', 'usage', 'requests', 'keys']) {
      const response = await get(`/console/${page}`, null);
      expect(response.status, page).toBe(302);
      expect(response.headers.get('location')).toBe('/console/login');
    }
    expect((await get('/console/api/health', null)).status).toBe(401);
    const form = await get('/console/login', null);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="adminKey"');
    expect(form.text).not.toContain(ADMIN_KEY);
  });

  it('shows the form again with an error for a wrong key and sets no cookie', async () => {
    const response = await post('/console/login', { adminKey: 'wrong-key' }, null);
    expect(response.status).toBe(401);
    expect(response.text).toContain('Wrong admin key.');
    expect(response.text).toContain('name="adminKey"');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect((await post('/console/login', {}, null)).status).toBe(401);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie for /console for the right key, never the key itself', async () => {
    const response = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/health');
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^detour_console=[^;]+; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=\d+$/,
    );
    expect(setCookie).not.toContain(ADMIN_KEY);
  });

  it('refuses a forged cookie', async () => {
    const [name, value] = cookie.split('=');
    const parts = (value ?? '').split('.');
    const forged = `${name}=${Number(parts[0]) + 1000}.${parts[1]}.${parts[2]}`;
    expect((await get('/console/health', forged)).status).toBe(302);
    expect((await get('/console/health', `${name}=${ADMIN_KEY}`)).status).toBe(302);
  });

  it('ends the session on logout (with the CSRF token) and refuses the old cookie after it', async () => {
    const own = await login();
    const page = await get('/console/health', own);
    expect((await post('/console/logout', {}, own)).status).toBe(403);
    expect((await get('/console/health', own)).status).toBe(200);
    const out = await post('/console/logout', { csrf: csrfOf(page.text) }, own);
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^detour_console=; .*Max-Age=0/);
    expect((await get('/console/health', own)).status).toBe(302);
    expect((await get('/console/health')).status).toBe(200);
  });
});

describe('console pages', () => {
  it('serves the health table with every deployment, a CSP and no-store', async () => {
    const response = await get('/console/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    for (const id of ['a/up-m', 'b/up-m', 'a/up-solo'])
      expect(response.text).toContain(`data-deployment="${id}"`);
    expect(response.text).toContain('Healthy');
    expect(response.text).not.toContain(ADMIN_KEY);
    const json = await get('/console/api/health');
    expect((JSON.parse(json.text) as { deployments: unknown[] }).deployments).toHaveLength(3);
  });

  it('drains and enables a deployment with the session’s CSRF token, through the admin API’s action', async () => {
    const csrf = csrfOf((await get('/console/health')).text);
    const drain = await post('/console/deployments/drain', { csrf, deployment: 'b/up-m' });
    expect(drain.status).toBe(303);
    expect(drain.headers.get('location')).toBe('/console/health?done=drain&deployment=b%2Fup-m');
    expect(await drained('b/up-m')).toBe(true);
    const after = await get(drain.headers.get('location') ?? '');
    expect(after.text).toContain('drain: applied to b/up-m');
    expect(after.text).toMatch(
      /data-deployment="b\/up-m">[\s\S]*?Drained[\s\S]*?action="\/console\/deployments\/enable"/,
    );
    expect((await post('/console/deployments/enable', { csrf, deployment: 'b/up-m' })).status).toBe(303);
    expect(await drained('b/up-m')).toBe(false);
  });

  it('changes nothing without the CSRF token, with another session’s, or without a session', async () => {
    const other = await login();
    const otherToken = csrfOf((await get('/console/health', other)).text);
    const missing = await post('/console/deployments/drain', { deployment: 'a/up-m' });
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('nothing was changed');
    expect(
      (await post('/console/deployments/drain', { csrf: otherToken, deployment: 'a/up-m' })).status,
    ).toBe(403);
    const anonymous = await post(
      '/console/deployments/drain',
      { csrf: otherToken, deployment: 'a/up-m' },
      null,
    );
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/console/login');
    expect(await drained('a/up-m')).toBe(false);
  });

  it('answers an unknown deployment or action with the health page and the admin API’s message', async () => {
    const csrf = csrfOf((await get('/console/health')).text);
    const unknown = await post('/console/deployments/drain', { csrf, deployment: 'nope/x' });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('no configured deployment matches deployment &#39;nope/x&#39;');
    expect((await post('/console/deployments/explode', { csrf, deployment: 'a/up-m' })).status).toBe(404);
    expect(await drained('a/up-m')).toBe(false);
  });

  it('shows open and resolved incidents with their evidence and timeline, escaped', async () => {
    const store = stack.detour.status.store;
    const now = Date.now();
    await store.createIncident(
      {
        id: 'inc_console_open',
        kind: 'outage',
        status: 'investigating',
        impact: 'major',
        title: 'm: <script>alert(1)</script> on a/up-m',
        components: ['m'],
        deployments: ['a/up-m'],
        startedAt: now - 60_000,
        updatedAt: now - 60_000,
        evidence: { failureRate: 0.75, consecutiveFailures: 9 },
        manual: false,
      },
      { at: now - 60_000, status: 'investigating', body: 'Errors on a/up-m' },
    );
    await store.createIncident(
      {
        id: 'inc_console_done',
        kind: 'latency',
        status: 'resolved',
        impact: 'minor',
        title: 'slow b',
        components: ['m'],
        deployments: ['b/up-m'],
        startedAt: now - 7_200_000,
        updatedAt: now - 3_600_000,
        resolvedAt: now - 3_600_000,
        evidence: {},
        manual: true,
      },
      { at: now - 7_200_000, status: 'resolved', body: 'Back to normal' },
    );
    const response = await get('/console/incidents');
    expect(response.status).toBe(200);
    expect(response.text).toContain('m: &lt;script&gt;alert(1)&lt;/script&gt; on a/up-m');
    expect(response.text).not.toContain('<script>alert(1)');
    expect(response.text).toMatch(/<dt>failureRate<\/dt><dd class="mono">0.7500<\/dd>/);
    expect(response.text).toContain('Errors on a/up-m');
    const open = response.text.slice(
      response.text.indexOf('id="open-h"'),
      response.text.indexOf('id="recent-h"'),
    );
    expect(open).toContain('inc_console_open');
    expect(open).not.toContain('inc_console_done');
    expect(response.text.slice(response.text.indexOf('id="recent-h"'))).toContain('Back to normal');
  });

  it('shows usage as chart data over a gap-free time axis and a table by model', async () => {
    const store = stack.detour.status.store;
    const now = Date.now();
    await store.insertRequestLogs([
      requestLogRow('req_u1', now - 2 * 3_600_000, {
        requestedModel: 'usage-model',
        answeringModel: 'usage-model',
      }),
      requestLogRow('req_u2', now - 1000, {
        requestedModel: 'usage-model',
        answeringModel: 'usage-model',
        status: 502,
        outcome: 'server_error',
        costUsd: 0,
      }),
    ]);
    const response = await get('/console/usage');
    expect(response.status).toBe(200);
    for (const id of ['chart-requests', 'chart-tokens', 'chart-cost', 'chart-errors']) {
      expect(response.text).toContain(`id="${id}"`);
    }
    expect(response.text).toContain('src="/console/assets/uPlot.iife.min.js"');
    const json = /<script type="application\/json" id="usage-data">([^<]*)<\/script>/.exec(
      response.text,
    )?.[1];
    const data = JSON.parse(json ?? '{}') as {
      x: number[];
      charts: Array<{ series: Array<{ values: number[] }> }>;
    };
    expect(data.x).toHaveLength(24);
    const requests = data.charts[0]?.series[0]?.values ?? [];
    expect(requests.reduce((sum, value) => sum + value, 0)).toBeGreaterThanOrEqual(2);
    const row = /<tr><td data-label="Model">usage-model<\/td>(.*?)<\/tr>/.exec(response.text)?.[1] ?? '';
    expect(row).toContain('>2<');
    expect(row).toContain('50.0%');
    expect((await get('/console/usage?period=day')).text).toContain('last 30 days');
    // A name every object has is no period (regression): the default, not a 500.
    const inherited = await get('/console/usage?period=toString');
    expect(inherited.status).toBe(200);
    expect(inherited.text).toContain('last 24 hours');
    expect((await get('/console/requests?range=constructor')).status).toBe(200);
  });

  it('lists the request log with filters and cursor pages', async () => {
    const store = stack.detour.status.store;
    const now = Date.now();
    const rows: RequestLogRow[] = [];
    for (let index = 0; index < 55; index += 1) {
      rows.push(requestLogRow(`req_page_${index}`, now - 10_000 - index, { requestedModel: 'paged' }));
    }
    rows.push(
      requestLogRow('req_fail', now - 5_000, {
        requestedModel: 'paged',
        status: 503,
        outcome: 'overloaded',
        deployment: 'b/up-m',
      }),
    );
    rows.push(requestLogRow('req_old', now - 3 * 86_400_000, { requestedModel: 'paged' }));
    await store.insertRequestLogs(rows);

    const first = await get('/console/requests?model=paged');
    expect(first.status).toBe(200);
    expect(first.text.match(/data-request="/g)).toHaveLength(50);
    expect(first.text).not.toContain('req_old');
    const next = /<a rel="next" href="([^"]+)"/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toContain('model=paged');
    const second = await get(next ?? '');
    expect(second.text.match(/data-request="/g)).toHaveLength(6);
    expect(second.text).not.toContain('rel="next"');

    const failed = await get(
      '/console/requests?model=paged&failureClass=overloaded&status=503&deployment=b%2Fup-m',
    );
    expect(failed.text.match(/data-request="/g)).toEqual(['data-request="']);
    expect(failed.text).toContain('req_fail');
    expect((await get('/console/requests?model=paged&range=7d')).text).toContain('rel="next"');
    const all = await get(`${next?.replace('range=24h', 'range=7d')}`);
    expect(all.text).toContain('req_old');

    const bad = await get('/console/requests?status=abc');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('status: &#39;abc&#39; is not an HTTP status');
    expect((await get('/console/requests?cursor=garbage')).status).toBe(400);
  });

  it('lists client keys with their prefix and scopes, never the hash', async () => {
    const created = await fetch(`${stack.detour.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'team-<search>',
        models: ['m*'],
        rpm: 60,
        budget: { usd: 5, period: 'day' },
      }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { prefix: string }; secret: string };
    const response = await get('/console/keys');
    expect(response.status).toBe(200);
    expect(response.text).toContain('team-&lt;search&gt;');
    expect(response.text).toContain(key.prefix);
    expect(response.text).toContain('60 req/min');
    expect(response.text).toContain('$0.00 of $5.00');
    expect(response.text).not.toContain(secret);
  });

  it('serves uPlot and its own script and stylesheet from /console/assets', async () => {
    const uplot = await get('/console/assets/uPlot.iife.min.js', null);
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toContain('javascript');
    expect(uplot.text).toContain('uPlot');
    expect((await get('/console/assets/uPlot.min.css', null)).text).toContain('.uplot');
    expect((await get('/console/assets/console.js', null)).status).toBe(200);
  });
});

describe('console addresses', () => {
  it('sends /console to the health page, and the login form to it when already logged in', async () => {
    const root = await get('/console', null);
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/health');
    const form = await get('/console/login');
    expect(form.status).toBe(302);
    expect(form.headers.get('location')).toBe('/console/health');
    // Without a session the form itself.
    const fresh = await get('/console/login', null);
    expect(fresh.status).toBe(200);
    expect(fresh.text).toContain('name="adminKey"');
  });

  it('answers an unknown asset with a plain 404', async () => {
    const missing = await get('/console/assets/nope.js', null);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(missing.text).toBe('not found');
  });
});

describe('console without an admin key', () => {
  it('is off, says how to turn it on, and lets nobody in', async () => {
    const bare = await startStack();
    try {
      const login = await fetch(`${bare.detour.url}/console/login`);
      expect(login.status).toBe(404);
      expect(await login.text()).toContain('set server.adminKey');
      const attempt = await fetch(`${bare.detour.url}/console/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'adminKey=',
      });
      expect(attempt.status).toBe(404);
      expect(attempt.headers.get('set-cookie')).toBeNull();
      expect((await fetch(`${bare.detour.url}/console/health`, { redirect: 'manual' })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

// Last in this file: it locks 127.0.0.1 out of the login form for the rest of the window.
describe('console login throttle', () => {
  it('refuses even the right key after five wrong ones from one address, with Retry-After', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect((await post('/console/login', { adminKey: `wrong-${attempt}` }, null)).status).toBe(401);
    const blocked = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many wrong keys: try again in 15 minutes.');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.headers.get('set-cookie')).toBeNull();
  });
});
