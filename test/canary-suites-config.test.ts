import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../src/config/index.js';
import { type RunningGateway, startGateway } from '../src/server/index.js';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// `canaries.suites` in a real config file: built-in suites by name, the user's own by path
// (relative to the config's folder), and a bad suite file stopping the start with file, line, key.

let folder: string | undefined;
let gateway: RunningGateway | undefined;
let stack: Stack | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await stack?.close();
  stack = undefined;
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

function writeConfig(dir: string, suites: string): string {
  const path = join(dir, 'detour.yaml');
  writeFileSync(
    path,
    `providers:
  a: { protocol: openai-chat, baseUrl: http://127.0.0.1:9/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
auth: { mode: off }
store: { sqlite: ':memory:' }
health: { probes: { enabled: false } }
canaries: { suites: ${suites} }
`,
  );
  return path;
}

describe('canaries.suites', () => {
  it('runs the named built-in suites and the user suite file, and nothing else', async () => {
    folder = mkdtempSync(join(tmpdir(), 'detour-suites-'));
    writeFileSync(
      join(folder, 'billing.yaml'),
      `cases:
  - { id: vat-1, prompt: "What is 19 * 21? Answer with the number only.", maxTokens: 16, grader: { kind: number, expected: 399 } }
`,
    );
    const config = await loadConfigFile(writeConfig(folder, '[arithmetic, ./billing.yaml]'));
    gateway = await startGateway(config, { port: 0, logger: false });
    const suites = new Set(gateway.canaries?.cases.map((canary) => canary.suite));
    expect(suites).toEqual(new Set(['arithmetic', 'billing']));
    expect(gateway.canaries?.cases.find((canary) => canary.suite === 'billing')?.id).toBe('vat-1');
  });

  it('refuses to start on a bad suite file, naming its file, line and key', async () => {
    folder = mkdtempSync(join(tmpdir(), 'detour-suites-'));
    writeFileSync(
      join(folder, 'broken.yaml'),
      `cases:
  - id: one
    prompt: hi
    grader: { kind: no-such-grader }
`,
    );
    const config = await loadConfigFile(writeConfig(folder, '[./broken.yaml]'));
    const started = startGateway(config, { port: 0, logger: false });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/broken\.yaml:4.*cases\[0\]\.grader/);
  });

  it("runs README's example suite against the simulator, every case passing", async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(suite: billing-facts[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    folder = mkdtempSync(join(tmpdir(), 'detour-suites-'));
    const suiteFile = join(folder, 'billing-facts.yaml');
    writeFileSync(suiteFile, example ?? '');
    const clock = new OffsetClock();
    stack = await startStack({
      config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
canaries: { every: 20s, suites: [ ${suiteFile} ] }
health: { probes: { enabled: false } }
status: { interval: 1h }
`,
      detour: { clock },
    });
    const canaries = stack.detour.canaries;
    expect(canaries?.cases.map((canary) => canary.id)).toEqual(['vat-1', 'refund-window', 'needle']);
    for (let round = 0; round < 4; round += 1) {
      clock.advance(25_000);
      await canaries?.scheduler.tick(clock.now());
    }
    const results = await stack.detour.status.store.listCanaryResults({});
    expect(results.map((result) => result.caseId).sort()).toEqual(['needle', 'refund-window', 'vat-1']);
    expect(
      results
        .map((result) => [result.caseId, result.pass, result.detail])
        .filter(([, pass]) => pass !== true),
    ).toEqual([]);
  });
});
