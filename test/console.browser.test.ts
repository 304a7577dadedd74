import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentHealthRow } from '../src/server/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// The operator console in a real browser (Debian's Chromium driven by playwright-core): log in, drain
// a deployment, read the incident, the usage charts and a filtered request log. Without Chromium the
// test is skipped with a warning, unless DETOUR_REQUIRE_BROWSER=1 (set by .ci/run after installing
// it), so CI can never skip it silently. Each run rewrites the screenshots in docs/console-*.png.

const CHROMIUM = process.env.DETOUR_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.DETOUR_REQUIRE_BROWSER === '1';
const SCREENSHOTS = join(process.cwd(), 'docs');
const ADMIN_KEY = 'console-browser-admin';
if (!available && !required) {
  process.stderr.write(
    `console browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)\n`,
  );
}

const clock = new OffsetClock();
let stack: Stack;
let browser: Browser;

function config(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
providers:
  vendor: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/vendor, apiKey: vendor-secret }
  cloud:  { protocol: openai-chat, baseUrl: ${simUrl}/hosts/cloud/v1, apiKey: cloud-secret }
models:
  claude-sonnet: { deployments: [ { provider: vendor, model: claude-sonnet }, { provider: cloud, model: claude-sonnet } ] }
  gpt-mini:      { deployments: [ { provider: cloud, model: gpt-mini } ] }
health: { probes: { enabled: false }, ejection: { jitter: 0 } }
status: { title: Acme AI status, interval: 1h, enterAfter: 2s, incidentAfter: 2s }
`;
}

async function ask(model: string): Promise<number> {
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'echo: hello console' }] }),
  });
  await response.text();
  return response.status;
}

async function adminHealth(): Promise<DeploymentHealthRow[]> {
  const response = await fetch(`${stack.detour.url}/admin/health`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.json()) as { deployments: DeploymentHealthRow[] }).deployments;
}

/** Desktop and phone screenshots of the page as it is now, then back to desktop width. */
async function screenshots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `console-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SCREENSHOTS, `console-${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.runIf(available || required)('/console in Chromium', () => {
  beforeAll(async () => {
    stack = await startStack({ config, detour: { clock, random: seededRandom(3) } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // An overloaded vendor: its deployment of claude-sonnet is ejected and an incident opens; the
    // cloud serves everyone, so the request log and usage have rows of both outcomes.
    stack.sim.setFault({ host: 'vendor', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 8; index += 1) expect(await ask('claude-sonnet')).toBe(200);
    for (let index = 0; index < 4; index += 1) expect(await ask('gpt-mini')).toBe(200);
    expect(await ask('no-such-model')).toBe(404);
    await stack.detour.status.detector.evaluate();
    clock.advance(2_100);
    await stack.detour.status.detector.evaluate();
    await stack.detour.requestLog?.flush();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('logs in, drains a deployment, and shows incidents, usage charts and a filtered request log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5_000);
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      // The wrong key's 401 shows as a failed resource load; script and CSP errors are what count.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        scriptErrors.push(message.text());
      }
    });

    await page.goto(`${stack.detour.url}/console/health`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.fill('#admin-key', 'not-the-key');
    await page.click('button[type=submit]');
    expect(await page.locator('.error').innerText()).toBe('Wrong admin key.');
    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('button[type=submit]');
    await page.waitForURL('**/console/health');
    const cookies = await page.context().cookies();
    expect(cookies.find((entry) => entry.name === 'detour_console')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/console',
    });
    expect(await page.content()).not.toContain(ADMIN_KEY);

    const table = page.locator('#health');
    for (const id of ['vendor/claude-sonnet', 'cloud/claude-sonnet', 'cloud/gpt-mini']) {
      expect(await table.locator(`tr[data-deployment="${id}"]`).count()).toBe(1);
    }
    expect(await table.locator('tr[data-deployment="vendor/claude-sonnet"] .state').innerText()).toContain(
      'Ejected',
    );

    await page.click('button[aria-label="Drain cloud/gpt-mini"]');
    await page.waitForURL('**/console/health?done=drain*');
    expect(await page.locator('.notice').innerText()).toBe('drain: applied to cloud/gpt-mini');
    const gptRow = page.locator('tr[data-deployment="cloud/gpt-mini"]');
    expect(await gptRow.locator('.state').innerText()).toContain('Drained');
    expect(await gptRow.locator('button').innerText()).toBe('Enable');
    expect((await adminHealth()).find((row) => row.deployment === 'cloud/gpt-mini')?.status.drained).toBe(
      true,
    );
    await screenshots(page, 'health');

    // A change made elsewhere (the admin API) shows up without a reload: the script refreshes the table.
    const outside = await fetch(`${stack.detour.url}/admin/deployments/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deployment: 'cloud/claude-sonnet' }),
    });
    expect(outside.status).toBe(200);
    await expect
      .poll(() => page.locator('tr[data-deployment="cloud/claude-sonnet"] .state').innerText(), {
        timeout: 15_000,
      })
      .toContain('Drained');

    await page.click('nav >> text=Incidents');
    await page.waitForURL('**/console/incidents');
    const incident = page.locator('section[aria-labelledby="open-h"] article.incident');
    expect(await incident.count()).toBe(1);
    const incidentText = await incident.innerText();
    expect(incidentText).toContain('vendor/claude-sonnet');
    expect(incidentText).toContain('Evidence');
    expect(incidentText).not.toContain('vendor-secret');

    await page.click('nav >> text=Usage');
    await page.waitForURL('**/console/usage');
    for (const id of ['chart-requests', 'chart-tokens', 'chart-cost', 'chart-errors']) {
      await expect.poll(() => page.locator(`#${id} canvas`).count()).toBe(1);
    }
    const box = await page.locator('#chart-requests canvas').boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(200);
    const byModel = page.locator('#usage-by-model');
    expect(await byModel.innerText()).toContain('claude-sonnet');
    expect(await byModel.innerText()).toContain('gpt-mini');
    await screenshots(page, 'usage');
    // At phone width the charts were redrawn to fit the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(async () => (await page.locator('#chart-requests canvas').boundingBox())?.width ?? 999)
      .toBeLessThan(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.click('nav >> text=Requests');
    await page.waitForURL('**/console/requests');
    expect(await page.locator('#requests tbody tr').count()).toBe(13);
    await page.fill('input[name=model]', 'gpt-mini');
    await page.click('button:text("Filter")');
    await page.waitForURL('**/console/requests?model=gpt-mini*');
    const filtered = page.locator('#requests tbody tr');
    expect(await filtered.count()).toBe(4);
    for (const text of await filtered.allInnerTexts()) expect(text).toContain('gpt-mini');
    await page.fill('input[name=model]', '');
    await page.fill('input[name=status]', '404');
    await page.click('button:text("Filter")');
    await page.waitForURL('**/console/requests?*status=404*');
    expect(await page.locator('#requests tbody tr').count()).toBe(1);

    await page.click('nav >> text=Keys');
    await page.waitForURL('**/console/keys');
    expect(await page.locator('h1').innerText()).toBe('Keys');

    await page.click('text=Log out');
    await page.waitForURL('**/console/login');
    await page.goto(`${stack.detour.url}/console/usage`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    // The CSP forbids inline script: a violation would show here as a console error.
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
