import { describe, expect, it } from 'vitest';
import { type Stack, withStack } from './support/start-stack.js';

// Every route answers on a gateway started inside the test itself. The other end-to-end files start
// theirs in `beforeAll`, which Stryker's per-test coverage counts as static code: a mutant in a route's
// registration (its handler replaced, its body emptied) then runs only against the few tests that
// start a gateway inside `it`, which seldom call that route, and survives although the route is
// tested (TESTING.md, "static code"). These tests are that gateway, calling each route once and
// checking what identifies its answer. The routes' behaviour is tested in their own files.

const ADMIN_KEY = 'started-in-test-admin';

function config(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a:   { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: key-ant }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
  c: { deployments: [ { provider: ant, model: up-c } ] }
status: { title: Started-in-test status }
health: { probes: { enabled: false } }
`;
}

async function get(stack: Stack, path: string, key?: string) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function post(stack: Stack, path: string, body: unknown, key = ADMIN_KEY) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const json = (text: string): unknown => JSON.parse(text);

describe('routes on a gateway started inside the test', () => {
  it('answers /readyz 503 while no model is configured, and the process is still alive', async () => {
    await withStack({ config: () => 'providers: {}\nmodels: {}\n' }, async (stack) => {
      const ready = await get(stack, '/readyz');
      expect(ready.status).toBe(503);
      expect(json(ready.text)).toEqual({ status: 'not_ready', reason: 'no models configured' });
      const alive = await get(stack, '/healthz');
      expect(alive.status).toBe(200);
      expect(json(alive.text)).toEqual({ status: 'ok' });
      expect(json((await get(stack, '/v1/models')).text)).toEqual({ object: 'list', data: [] });
    });
  });

  it('serves the probes, models, status page and feeds, metrics and the console', async () => {
    await withStack({ config }, async (stack) => {
      expect(json((await get(stack, '/healthz')).text)).toEqual({ status: 'ok' });
      expect(json((await get(stack, '/readyz')).text)).toEqual({ status: 'ready', models: 2 });
      const models = json((await get(stack, '/v1/models')).text) as { data: Array<{ id: string }> };
      expect(models.data.map((model) => model.id)).toEqual(['m', 'c']);

      const page = await get(stack, '/status');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.text).toContain('Started-in-test status');
      const feed = await get(stack, '/status/feed.atom');
      expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
      expect(feed.text).toContain('<title>Started-in-test status</title>');
      for (const name of ['summary', 'status', 'components', 'incidents']) {
        const answer = await get(stack, `/api/v2/${name}.json`);
        expect(answer.status, name).toBe(200);
        expect(answer.headers.get('access-control-allow-origin'), name).toBe('*');
        expect(json(answer.text), name).toMatchObject({ page: { name: 'Started-in-test status' } });
      }

      const metrics = await get(stack, '/metrics');
      expect(metrics.text).toContain('# TYPE detour_requests_total counter');
      const console = await get(stack, '/console');
      expect(console.status).toBe(302);
      expect(console.headers.get('location')).toBe('/console/health');
    });
  });

  it('serves the console: login, its pages (the chart library on the usage page only), logout', async () => {
    await withStack({ config }, async (stack) => {
      const form = (body: Record<string, string>, cookie = '') =>
        fetch(`${stack.detour.url}${body.csrf === undefined ? '/console/login' : '/console/logout'}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams(body).toString(),
        });
      expect((await form({ adminKey: 'wrong' })).status).toBe(401);
      const login = await form({ adminKey: ADMIN_KEY });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/console/health');
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const page = async (name: string) => {
        const response = await fetch(`${stack.detour.url}/console/${name}`, { headers: { cookie } });
        expect(response.status, name).toBe(200);
        expect(response.headers.get('cache-control'), name).toBe('no-store');
        return response.text();
      };
      const health = await page('health');
      expect(health).toContain('a/up-m');
      expect(health).not.toContain('uPlot');
      expect(await page('usage')).toContain('<script src="/console/assets/uPlot.iife.min.js"></script>');
      expect(await page('incidents')).not.toContain('uPlot');
      expect(await page('requests')).not.toContain('uPlot');
      const csrf = /name="csrf" value="([^"]+)"/.exec(health)?.[1] ?? '';
      expect(csrf).not.toBe('');
      const logout = await form({ csrf }, cookie);
      expect(logout.status).toBe(303);
      expect(logout.headers.get('location')).toBe('/console/login');
      const after = await fetch(`${stack.detour.url}/console/health`, {
        headers: { cookie },
        redirect: 'manual',
      });
      expect(after.status).toBe(302);
    });
  });

  it('answers both chat surfaces and count_tokens', async () => {
    await withStack({ config }, async (stack) => {
      const messages = [{ role: 'user', content: 'echo: hello' }];
      const openai = await post(stack, '/v1/chat/completions', { model: 'm', messages });
      expect(openai.status).toBe(200);
      expect(openai.body).toMatchObject({ object: 'chat.completion', model: 'up-m' });
      const anthropic = await post(stack, '/v1/messages', { model: 'c', max_tokens: 16, messages });
      expect(anthropic.status).toBe(200);
      expect(anthropic.body).toMatchObject({ type: 'message', model: 'up-c' });
      const counted = await post(stack, '/v1/messages/count_tokens', { model: 'c', messages });
      expect(counted.status).toBe(200);
      expect(counted.body.input_tokens).toEqual(expect.any(Number));
      const notObject = await post(stack, '/v1/messages/count_tokens', []);
      expect(notObject.status).toBe(400);
    });
  });

  it('serves every admin read with the admin key and refuses it without', async () => {
    await withStack({ config }, async (stack) => {
      const reads: Record<string, string> = {
        '/admin/health': 'deployments',
        '/admin/requests': 'rows',
        '/admin/usage': 'usage',
        '/admin/incidents': 'incidents',
        '/admin/alerts': 'alerts',
        '/admin/maintenance': 'maintenance',
        '/admin/webhooks/deliveries': 'deliveries',
        '/admin/keys': 'keys',
        '/admin/quality': 'deployments',
        '/admin/explain?model=m': 'verdict',
      };
      for (const [path, field] of Object.entries(reads)) {
        const answer = await get(stack, path, ADMIN_KEY);
        expect(answer.status, path).toBe(200);
        expect(json(answer.text), path).toHaveProperty(field);
        expect((await get(stack, path)).status, path).toBe(401);
      }
    });
  });

  it('carries out the admin writes: a key, an incident, a maintenance window, a drain', async () => {
    await withStack({ config }, async (stack) => {
      const key = await post(stack, '/admin/keys', { name: 'k' });
      expect(key.status).toBe(201);
      expect(key.body.secret).toMatch(/^dtr_/);
      const id = (key.body.key as { id: string }).id;
      expect(json((await get(stack, `/admin/keys/${id}`, ADMIN_KEY)).text)).toMatchObject({ key: { id } });
      expect((await post(stack, `/admin/keys/${id}/rotate`, {})).status).toBe(200);
      expect((await post(stack, `/admin/keys/${id}/revoke`, {})).body).toMatchObject({
        key: { status: 'revoked' },
      });

      const incident = await post(stack, '/admin/incidents', {
        title: 'Slow answers',
        status: 'investigating',
        body: 'Looking into it',
        components: ['m'],
      });
      expect(incident.status).toBe(201);
      const incidentId = (incident.body.incident as { id: string }).id;
      expect(
        (
          await post(stack, `/admin/incidents/${incidentId}/updates`, {
            status: 'monitoring',
            body: 'Better',
          })
        ).status,
      ).toBe(200);
      expect((await post(stack, `/admin/incidents/${incidentId}/resolve`, { body: 'Fixed' })).status).toBe(
        200,
      );
      expect(json((await get(stack, `/admin/incidents/${incidentId}`, ADMIN_KEY)).text)).toMatchObject({
        incident: { id: incidentId, status: 'resolved' },
      });

      const drained = await post(stack, '/admin/deployments/drain', { deployment: 'a/up-m' });
      expect(drained.status).toBe(200);
      const health = json((await get(stack, '/admin/health', ADMIN_KEY)).text) as {
        deployments: Array<{ deployment: string; status: { drained: boolean } }>;
      };
      expect(health.deployments.find((row) => row.deployment === 'a/up-m')?.status.drained).toBe(true);
    });
  });
});
