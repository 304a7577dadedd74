import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// The status page in a real browser (Debian's Chromium driven by playwright-core) during an incident.
// Without Chromium the test is skipped with a warning, unless DETOUR_REQUIRE_BROWSER=1 (set by
// .ci/run after installing it), so CI can never skip it silently.

const CHROMIUM = process.env.DETOUR_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.DETOUR_REQUIRE_BROWSER === '1';
const OUTPUT = join(process.cwd(), 'test-output');
if (!available && !required) {
  process.stderr.write(
    `status page browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)\n`,
  );
}

const clock = new OffsetClock();
let stack: Stack;
let browser: Browser;

function config(simUrl: string): string {
  return `
providers:
  vendor: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/vendor, apiKey: vendor-secret }
  cloud:  { protocol: openai-chat, baseUrl: ${simUrl}/hosts/cloud/v1, apiKey: cloud-secret }
models:
  claude-sonnet: { description: Anthropic's mid-size model, deployments: [ { provider: vendor, model: claude-sonnet }, { provider: cloud, model: claude-sonnet } ] }
  gpt-mini:      { deployments: [ { provider: cloud, model: gpt-mini } ] }
health: { probes: { enabled: false }, ejection: { jitter: 0 } }
status: { title: Acme AI status, interval: 1h, enterAfter: 2s, incidentAfter: 2s }
`;
}

describe.runIf(available || required)('GET /status in Chromium', () => {
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
    // An overloaded vendor: its deployment of claude-sonnet is ejected, the cloud serves everyone.
    stack.sim.setFault({ host: 'vendor', fault: { type: 'status', status: 529 } });
    for (let index = 0; index < 8; index += 1) {
      const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'echo: hi' }] }),
      });
      expect(response.status).toBe(200);
    }
    await stack.detour.status.detector.evaluate();
    clock.advance(2_100);
    await stack.detour.status.detector.evaluate();
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the component states and the incident, and works by keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(5_000);
    await page.goto(`${stack.detour.url}/status`);
    expect(await page.title()).toBe('Acme AI status');
    await expect
      .poll(() => page.locator('.banner h2').innerText())
      .toBe('All models answering; an incident is being tracked');

    const claude = page.locator('section.component', { hasText: 'claude-sonnet' });
    expect(await claude.locator('.component-head .pill').innerText()).toBe('Operational');
    await claude.locator('summary').click();
    const vendorRow = claude.locator('.deployments li', { hasText: 'vendor/claude-sonnet' });
    expect(await vendorRow.innerText()).toContain('Major outage');
    expect(await claude.locator('.deployments li', { hasText: 'cloud/claude-sonnet' }).innerText()).toContain(
      'Operational',
    );

    const incident = page.locator('section[aria-labelledby="active-h"] article.incident');
    expect(await incident.count()).toBe(1);
    const text = await incident.innerText();
    expect(text).toContain('claude-sonnet: provider overloaded on vendor/claude-sonnet');
    expect(text).toContain('Users saw no errors');
    expect(text).not.toContain('vendor-secret');

    // Today's uptime bar shows its tooltip on keyboard focus.
    const today = claude.locator('.bar').last();
    await today.focus();
    await expect.poll(() => today.locator('.tip').isVisible()).toBe(true);
    const tip = await today.locator('.tip').innerText();
    expect(tip).toContain(new Date(clock.now()).toISOString().slice(0, 10));
    expect(tip).toContain('claude-sonnet: provider overloaded');

    await page.screenshot({ path: join(OUTPUT, 'status-page-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(OUTPUT, 'status-page-phone.png'), fullPage: true });
    expect(existsSync(join(OUTPUT, 'status-page-desktop.png'))).toBe(true);
    await page.close();
  });
});
