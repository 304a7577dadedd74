import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentQualityStatus } from '../src/canaries/index.js';
import { parseConfig } from '../src/config/index.js';
import { ManualClock } from '../src/core/index.js';
import { UpstreamTransport } from '../src/providers/index.js';
import { buildRoutingState } from '../src/server/build-routing-state.js';
import { buildApp, buildGateway } from '../src/server/index.js';
import type { Incident, RequestLogRow } from '../src/store/index.js';
import { requestLogRow } from './support/request-log-row.js';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// The operator console's edges over real HTTP, on a manual clock: the request log's filters one by
// one, query values with blanks, bodies that are no form, the login throttle's countdown, headers,
// and the pages of a console without a store.

const ADMIN_KEY = 'console-edges-secret';
const clock = new ManualClock(1_800_000_000_000);
let stack: Stack;
let cookie: string;

/** A row of model `edge`, which the filter tests look for. */
const logRow = (id: string, time: number, changes: Partial<RequestLogRow> = {}): RequestLogRow =>
  requestLogRow(id, time, { requestedModel: 'edge', answeringModel: 'edge', ...changes });

function incident(id: string, status: Incident['status'], at: number): Omit<Incident, 'updates'> {
  return {
    id,
    kind: 'outage',
    status,
    impact: 'minor',
    title: `title ${id}`,
    components: ['m'],
    deployments: ['a/up-m'],
    startedAt: at,
    updatedAt: at,
    ...(status === 'resolved' ? { resolvedAt: at } : {}),
    evidence: {},
    manual: true,
  };
}

async function get(path: string, withCookie: string | null = cookie, base = stack.detour.url) {
  const response = await fetch(`${base}${path}`, {
    redirect: 'manual',
    headers: withCookie === null ? {} : { cookie: withCookie },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function post(
  path: string,
  form: Record<string, string>,
  withCookie: string | null = cookie,
  base = stack.detour.url,
) {
  const response = await fetch(`${base}${path}`, {
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

async function login(base = stack.detour.url): Promise<string> {
  const response = await post('/console/login', { adminKey: ADMIN_KEY }, null, base);
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** The request ids a requests page lists, in order. */
function requestIds(html: string): string[] {
  return [...html.matchAll(/data-request="([^"]+)"/g)].map((match) => match[1] ?? '');
}

/** The incident ids listed in one section (`open-h` or `recent-h`) of the incidents page. */
function incidentIds(html: string, section: 'open-h' | 'recent-h'): string[] {
  const start = html.indexOf(`id="${section}"`);
  const end = section === 'open-h' ? html.indexOf('id="recent-h"') : html.length;
  return [...html.slice(start, end).matchAll(/data-incident="([^"]+)"/g)].map((match) => match[1] ?? '');
}

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) =>
      `${twoHostConfig(simUrl)}server: { adminKey: ${ADMIN_KEY} }\nhealth: { probes: { enabled: false } }\n`,
    detour: { clock },
  });
  cookie = await login();
  const now = clock.now();
  await stack.detour.status.store.insertRequestLogs([
    logRow('req_plain', now - 1_000),
    logRow('req_on_b', now - 2_000, { deployment: 'b/up-m' }),
    logRow('req_overloaded', now - 3_000, { status: 429, outcome: 'overloaded' }),
    logRow('req_503', now - 4_000, { status: 503, outcome: 'server_error' }),
    logRow('req_other_model', now - 5_000, { requestedModel: 'other', answeringModel: 'other' }),
  ]);
});

afterAll(async () => {
  await stack?.close();
});

describe('console request log filters', () => {
  it('filters by each field on its own', async () => {
    expect(requestIds((await get('/console/requests?model=edge')).text)).toStrictEqual([
      'req_plain',
      'req_on_b',
      'req_overloaded',
      'req_503',
    ]);
    expect(requestIds((await get('/console/requests?deployment=b%2Fup-m')).text)).toStrictEqual(['req_on_b']);
    expect(requestIds((await get('/console/requests?failureClass=overloaded')).text)).toStrictEqual([
      'req_overloaded',
    ]);
    const byStatus = await get('/console/requests?status=503');
    expect(byStatus.status).toBe(200);
    expect(requestIds(byStatus.text)).toStrictEqual(['req_503']);
    expect(byStatus.text).toContain('<input name="status" value="503" placeholder="any">');
  });

  it('trims blanks around a value and treats an empty one as no filter', async () => {
    const padded = await get('/console/requests?model=%20edge%20&deployment=%20b%2Fup-m%20');
    expect(requestIds(padded.text)).toStrictEqual(['req_on_b']);
    expect(padded.text).toContain('<input name="model" value="edge" placeholder="any">');
    const empty = await get('/console/requests?model=&deployment=&failureClass=&status=&cursor=');
    expect(empty.status).toBe(200);
    expect(empty.text).not.toContain('class="error"');
    expect(requestIds(empty.text)).toHaveLength(5);
    const blanks = await get('/console/requests?status=%20%20&model=%20');
    expect(blanks.status).toBe(200);
    expect(requestIds(blanks.text)).toHaveLength(5);
  });

  it('takes the first of a repeated field', async () => {
    expect(
      requestIds((await get('/console/requests?deployment=b%2Fup-m&deployment=a%2Fup-m')).text),
    ).toStrictEqual(['req_on_b']);
  });

  it('answers 400 for a status that is not three digits from 100 to 599, and ignores it', async () => {
    for (const status of ['5031', 'x503', '603', '099', '5a3', '50x', '50']) {
      const response = await get(`/console/requests?status=${status}`);
      expect(response.status, status).toBe(400);
      expect(response.text).toContain(
        `<p class="error" role="alert">status: &#39;${status}&#39; is not an HTTP status (100–599); it was ignored</p>`,
      );
      expect(requestIds(response.text), status).toHaveLength(5);
    }
    for (const status of ['100', '599']) {
      const response = await get(`/console/requests?status=${status}`);
      expect(response.status, status).toBe(200);
      expect(response.text).not.toContain('class="error"');
    }
  });

  it('answers 400 with the store’s reason for a cursor it did not make', async () => {
    const response = await get('/console/requests?cursor=garbage');
    expect(response.status).toBe(400);
    expect(response.text).toContain(
      '<p class="error" role="alert">cursor: invalid cursor &quot;garbage&quot;</p>',
    );
    expect(response.text).toContain('<p class="empty">No requests match.</p>');
  });

  it('pages on with the cursor it links to', async () => {
    const now = clock.now();
    const rows: RequestLogRow[] = [];
    for (let index = 0; index < 51; index += 1) {
      rows.push(
        logRow(`req_many_${String(index).padStart(2, '0')}`, now - 100_000 - index, {
          requestedModel: 'many',
        }),
      );
    }
    await stack.detour.status.store.insertRequestLogs(rows);
    const first = await get('/console/requests?model=many');
    expect(requestIds(first.text)).toHaveLength(50);
    const next = /<a rel="next" href="([^"]+)"/.exec(first.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(requestIds((await get(next)).text)).toStrictEqual(['req_many_50']);
  });
});

describe('console headers', () => {
  it('sends pages as UTF-8 HTML with no-store, and an asset with its own public max-age', async () => {
    const page = await get('/console/health');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const asset = await get('/console/assets/console.js', null);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(asset.headers.get('x-frame-options')).toBe('DENY');
    const missing = await get('/console/assets/nope.js', null);
    expect(missing.headers.get('content-type')).toBe('text/plain');
    expect(missing.text).toBe('not found');
  });

  it('answers the JSON health endpoint without a session with 401 and where to log in', async () => {
    const response = await get('/console/api/health', null);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toStrictEqual({
      error: { message: 'console: log in at /console/login' },
    });
    const json = JSON.parse((await get('/console/api/health')).text) as {
      now: number;
      deployments: unknown[];
    };
    expect(json.now).toBe(clock.now());
    expect(json.deployments).toHaveLength(3);
  });

  it('loads the chart script on the usage page only', async () => {
    const health = await get('/console/health');
    expect(health.text).not.toContain('uPlot');
    const usage = await get('/console/usage');
    expect(usage.text).toContain('<script src="/console/assets/uPlot.iife.min.js"></script>');
    expect(usage.text).toContain('<link rel="stylesheet" href="/console/assets/uPlot.min.css">');
  });

  it('reads the usage period from the query, trimmed, and defaults to the hour', async () => {
    const day = '<option value="day" selected>';
    expect((await get('/console/usage?period=day')).text).toContain(day);
    expect((await get('/console/usage?period=%20day%20')).text).toContain(day);
    const fallback = await get('/console/usage?period=week');
    expect(fallback.status).toBe(200);
    expect(fallback.text).toContain('<option value="hour" selected>');
    expect(fallback.text).not.toContain(day);
  });
});

describe('console health notices', () => {
  it('echoes a known action applied to a configured deployment', async () => {
    const response = await get('/console/health?done=enable&deployment=a%2Fup-m');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<p class="notice" role="status">enable: applied to a/up-m</p>');
  });

  it('shows no notice without an action, for an unknown action, or for an unknown deployment', async () => {
    for (const query of [
      'deployment=a%2Fup-m',
      'done=explode&deployment=a%2Fup-m',
      'done=drain&deployment=x',
    ]) {
      const response = await get(`/console/health?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.text, query).not.toContain('class="notice"');
    }
  });

  it('links the stale-form message back to the console', async () => {
    const response = await post('/console/deployments/drain', { deployment: 'a/up-m' });
    expect(response.status).toBe(403);
    expect(response.text).toContain('<p><a href="/console/health">Back to the console</a></p>');
  });
});

describe('console incidents page', () => {
  it('lists open incidents apart and at most 25 resolved ones as recent', async () => {
    const store = stack.detour.status.store;
    const now = clock.now();
    await store.createIncident(incident('inc_edge_open', 'investigating', now - 1_000), {
      at: now - 1_000,
      status: 'investigating',
      body: 'open one',
    });
    for (let index = 0; index < 30; index += 1) {
      const at = now - 10_000 - index * 1_000;
      await store.createIncident(incident(`inc_edge_done_${index}`, 'resolved', at), {
        at,
        status: 'resolved',
        body: 'done',
      });
    }
    const response = await get('/console/incidents');
    expect(response.status).toBe(200);
    expect(incidentIds(response.text, 'open-h')).toStrictEqual(['inc_edge_open']);
    const recent = incidentIds(response.text, 'recent-h');
    expect(recent).toHaveLength(25);
    expect(recent).not.toContain('inc_edge_open');
    expect(recent.every((id) => id.startsWith('inc_edge_done_'))).toBe(true);
  });
});

describe('console login edges', () => {
  it('sets a session cookie that lasts twelve hours, without Secure over plain HTTP', async () => {
    const response = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(
      /^detour_console=[^;]+; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=43200$/,
    );
  });

  it('refuses an empty key, a body that is no form, and a request without a body', async () => {
    const empty = await post('/console/login', { adminKey: '' }, null);
    expect(empty.status).toBe(401);
    expect(empty.text).toContain('Wrong admin key.');
    for (const body of ['null', '"console-edges-secret"', '[]']) {
      const json = await fetch(`${stack.detour.url}/console/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(json.status, body).toBe(401);
      expect(await json.text(), body).toContain('Wrong admin key.');
    }
    // Four wrong ones so far; a success clears them (five would lock the address out).
    expect((await post('/console/login', { adminKey: ADMIN_KEY }, null)).status).toBe(303);
    const bare = await fetch(`${stack.detour.url}/console/login`, { method: 'POST', redirect: 'manual' });
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain('Wrong admin key.');
    // A success clears the count again: the throttle below starts from zero.
    expect((await post('/console/login', { adminKey: ADMIN_KEY }, null)).status).toBe(303);
  });

  it('counts down the lock-out in whole minutes and seconds, and lets the address in when it ends', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect((await post('/console/login', { adminKey: `wrong-${attempt}` }, null)).status).toBe(401);
    const blocked = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('900');
    expect(blocked.text).toContain('Too many wrong keys: try again in 15 minutes.');
    expect(blocked.headers.get('set-cookie')).toBeNull();
    clock.advance(840_000);
    const lastMinute = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(lastMinute.status).toBe(429);
    expect(lastMinute.headers.get('retry-after')).toBe('60');
    expect(lastMinute.text).toContain('Too many wrong keys: try again in 1 minute.');
    clock.advance(59_999);
    const lastMillisecond = await post('/console/login', { adminKey: ADMIN_KEY }, null);
    expect(lastMillisecond.headers.get('retry-after')).toBe('1');
    expect(lastMillisecond.text).toContain('try again in 1 minute.');
    clock.advance(1);
    expect((await post('/console/login', { adminKey: ADMIN_KEY }, null)).status).toBe(303);
  });
});

describe('console without a store', () => {
  it('says each store-backed page is not available, and shows health with the canaries’ quality column', async () => {
    const config = parseConfig(
      `${twoHostConfig('http://127.0.0.1:9')}server: { adminKey: ${ADMIN_KEY} }\nauth: { mode: off }\n`,
      'console.yaml',
      {},
    );
    const transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
    const gateway = buildGateway(config, transport, buildRoutingState(config, clock), clock);
    const graded: DeploymentQualityStatus = {
      deployment: 'b/up-m',
      model: 'm',
      provider: 'b',
      phase: 'suspect',
      baseline: undefined,
      current: { graded: 4, passed: 3, passRate: 0.75 },
      samples: 4,
      sprt: undefined,
      alarm: undefined,
    };
    gateway.quality = { status: (deployment) => (deployment === 'b/up-m' ? graded : undefined) };
    const app = buildApp({ bodyLimit: 1_000_000, gateway: () => gateway });
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const own = await login(base);
      for (const [page, title] of [
        ['incidents', 'Incidents'],
        ['usage', 'Usage'],
        ['requests', 'Requests'],
      ]) {
        const response = await get(`/console/${page}`, own, base);
        expect(response.status, page).toBe(200);
        expect(response.text).toContain(
          `<h1>${title}</h1><p class="empty">Not available: this Detour runs without a store.</p>`,
        );
      }
      const health = await get('/console/health', own, base);
      expect(health.status).toBe(200);
      expect(health.text).toContain('<span class="pill warn">Suspect · 75% of 4</span>');
    } finally {
      await app.close();
      await transport.close();
    }
  });

  it('answers a form post with the console-off page while no admin key is set', async () => {
    const config = parseConfig(`${twoHostConfig('http://127.0.0.1:9')}auth: { mode: off }\n`, 'off.yaml', {});
    const transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
    const gateway = buildGateway(config, transport, buildRoutingState(config, clock), clock);
    const app = buildApp({ bodyLimit: 1_000_000, gateway: () => gateway });
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      for (const path of ['/console/logout', '/console/deployments/drain']) {
        const response = await post(path, { csrf: 'x', deployment: 'a/up-m' }, 'detour_console=1.2.3', base);
        expect(response.status, path).toBe(404);
        expect(response.text).toContain(
          'The console is off: set server.adminKey in the config to enable it.',
        );
      }
    } finally {
      await app.close();
      await transport.close();
    }
  });
});
