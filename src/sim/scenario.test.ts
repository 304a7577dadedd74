import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadScenario, type Simulator, startSimulator } from './index.js';

const folder = mkdtempSync(join(tmpdir(), 'detour-scenario-'));
let sim: Simulator | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = undefined;
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('loadScenario', () => {
  it('reads a timeline of faults with durations and clears', async () => {
    const path = write(
      'outage.yaml',
      `timeline:
  - { at: 1s, for: 2s, host: vendor, model: claude-x, fault: { type: status, status: 529 }, probability: 0.4 }
  - { at: 5s, clear: '*' }
`,
    );
    expect(await loadScenario(path)).toEqual([
      {
        at: 1_000,
        for: 2_000,
        host: 'vendor',
        model: 'claude-x',
        fault: { type: 'status', status: 529 },
        probability: 0.4,
      },
      { at: 5_000, clear: '*' },
    ]);
  });

  it('names the file and the step of a bad scenario', async () => {
    const path = write('bad.yaml', 'timeline:\n  - { at: soon, host: a, fault: { type: silence } }\n');
    await expect(loadScenario(path)).rejects.toThrow(/bad\.yaml: timeline\.0/);
  });
});

describe('Simulator.runScenario', () => {
  it('applies each fault at its time and removes it when its duration ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    sim = await startSimulator({ port: 0 });
    sim.runScenario([
      { at: 1_000, for: 2_000, host: 'a', fault: { type: 'status', status: 503 } },
      { at: 1_500, host: 'b', fault: { type: 'silence' } },
      { at: 4_000, clear: '*' },
    ]);
    expect(sim.stats().faults).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(sim.stats().faults.map((rule) => rule.host)).toEqual(['a']);
    vi.advanceTimersByTime(500);
    expect(sim.stats().faults.map((rule) => rule.host)).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1_500);
    expect(sim.stats().faults.map((rule) => rule.host)).toEqual(['b']);
    vi.advanceTimersByTime(1_000);
    expect(sim.stats().faults).toHaveLength(0);
  });
});
