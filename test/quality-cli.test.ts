import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';
import { runQuality } from '../src/cli/run-quality.js';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// `detour quality` over GET /admin/quality against a running gateway.

const ADMIN_KEY = 'quality-cli-admin';
let stack: Stack | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await stack?.close();
  stack = undefined;
});

async function ask(current: Stack, extra: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${current.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Tell me a story.' }], ...extra }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

describe('detour quality', () => {
  it('prints canaries and passive signals per deployment; --json; a named deployment; exit codes', async () => {
    stack = await startStack({
      config: (url) => `server: { adminKey: ${ADMIN_KEY} }\n${twoHostConfig(url)}`,
    });
    await ask(stack, {});
    await ask(stack, { max_tokens: 2 });
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    const common = ['--url', stack.detour.url, '--admin-key', ADMIN_KEY];
    expect(await runQuality(common)).toBe(EXIT.ok);
    expect(out).toContain('canaries: off');
    // a/up-m answered both: one of two cut off by max_tokens; b/up-m answered nothing.
    expect(out).toMatch(/a\/up-m\s+-\s+-\s+-\s+2\s+50\.0%\s+0\.0%/);
    expect(out).toMatch(/b\/up-m\s+-\s+-\s+-\s+0\s/);

    out = '';
    expect(await runQuality([...common, 'a/up-m', '--json'])).toBe(EXIT.ok);
    const body = JSON.parse(out) as {
      deployments: Array<{ deployment: string; passive: { answers: number } }>;
    };
    expect(body.deployments.map((row) => [row.deployment, row.passive.answers])).toEqual([['a/up-m', 2]]);

    expect(await runQuality([...common, 'nope/x'])).toBe(EXIT.notFound);
    expect(err).toContain('no configured deployment "nope/x"');
    expect(await runQuality(['--url', stack.detour.url, '--admin-key', 'wrong'])).toBe(EXIT.unauthorized);
    expect(await runQuality([...common, '--bogus'])).toBe(EXIT.usage);
  });
});
