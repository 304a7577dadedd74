import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './support/start-stack.js';

// What the status routes promise besides their content (README "Status page"): the page is HTML
// that caches never serve stale, the feeds name the page at the address the client used and may be
// read from any origin, and `status.public` keeps models off every view.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  shown:  { deployments: [ { provider: a, model: up-shown } ] }
  backroom: { deployments: [ { provider: a, model: up-backroom } ] }
status: { title: Acme AI status, public: [ shown ] }
`,
  });
});

afterAll(async () => {
  await stack.close();
});

describe('status routes', () => {
  it('serves the page as HTML that is revalidated every time, with only the public models', async () => {
    const response = await fetch(`${stack.detour.url}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const page = await response.text();
    expect(page).toContain('Acme AI status');
    expect(page).toContain('shown');
    expect(page).not.toContain('backroom');
  });

  it('answers every JSON feed to any origin, naming the page at the address the client used', async () => {
    const base = stack.detour.url.replace('127.0.0.1', 'localhost');
    for (const name of ['summary', 'status', 'components', 'incidents']) {
      const response = await fetch(`${base}/api/v2/${name}.json`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('access-control-allow-origin'), name).toBe('*');
      const body = (await response.json()) as { page: { name: string; url: string } };
      expect(body.page, name).toMatchObject({ name: 'Acme AI status', url: `${base}/status` });
    }
    const components = (await (await fetch(`${base}/api/v2/components.json`)).json()) as {
      components: Array<{ name: string }>;
    };
    expect(components.components.map((component) => component.name)).not.toContain('backroom');
  });

  it('links the Atom feed to the page at the address the client used', async () => {
    const base = stack.detour.url.replace('127.0.0.1', 'localhost');
    const response = await fetch(`${base}/status/feed.atom`);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = await response.text();
    expect(feed).toContain(`${base}/status`);
    expect(feed).toContain('<title>Acme AI status</title>');
  });
});
