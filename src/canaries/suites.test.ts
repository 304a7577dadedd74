import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatResponse } from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import { gradeAnswer, loadCanarySuites } from './index.js';
import type { CanaryCase } from './types.js';

// Every built-in case, sent over real HTTP to the simulator in OpenAI chat format: the simulated
// model answers each one right, and under the `wrong_answer` fault each one wrong.

let sim: Simulator;
const codec = codecFor('openai-chat');
const cases = loadCanarySuites();

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
});

async function ask(canary: CanaryCase): Promise<ChatResponse> {
  const response = await fetch(`${sim.url}/hosts/canary/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-canary' },
    body: JSON.stringify(codec.encodeRequest(canary.request, 'sim-model')),
  });
  expect(response.status).toBe(200);
  return codec.decodeResponse(await response.json());
}

describe('built-in canary suites against the simulator', () => {
  it('cover every suite with several cases each', () => {
    const suites = new Map<string, number>();
    for (const canary of cases) suites.set(canary.suite, (suites.get(canary.suite) ?? 0) + 1);
    expect([...suites.keys()].sort()).toEqual([
      'arithmetic',
      'charset',
      'instructions',
      'json',
      'long-context',
      'primality',
      'tools',
    ]);
    for (const count of suites.values()) expect(count).toBeGreaterThanOrEqual(4);
  });

  it('pass every case when the model answers well', async () => {
    const failures: string[] = [];
    for (const canary of cases) {
      const grade = gradeAnswer(canary, await ask(canary));
      if (!grade.pass) failures.push(`${canary.suite}/${canary.id}: ${grade.detail}`);
    }
    expect(failures).toEqual([]);
  });

  it('fail every case under the wrong_answer fault', async () => {
    sim.setFault({ host: 'canary', fault: { type: 'wrong_answer' } });
    const passes: string[] = [];
    for (const canary of cases) {
      const grade = gradeAnswer(canary, await ask(canary));
      if (grade.pass) passes.push(`${canary.suite}/${canary.id}: ${grade.detail}`);
    }
    expect(passes).toEqual([]);
  });
});
