import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatResponse, ManualClock } from '../core/index.js';
import { createProvider, UpstreamTransport } from '../providers/index.js';
import type { Deployment } from '../routing/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import { runCanary } from './canary-runner.js';
import type { CanaryCase, GradeAnswer } from './types.js';

let sim: Simulator;
let transport: UpstreamTransport;
let clock: ManualClock;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 3,
    timeToFirstTokenMs: 20,
    tokenIntervalMs: 5,
    wait: async (ms) => clock.advance(ms),
  });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
  clock = new ManualClock();
});

function deployment(
  host: string,
  protocol: 'openai-chat' | 'anthropic-messages' = 'openai-chat',
): Deployment {
  const provider =
    protocol === 'openai-chat'
      ? createProvider(host, { protocol, baseUrl: `${sim.url}/hosts/${host}/v1` })
      : createProvider(host, { protocol, baseUrl: `${sim.url}/hosts/${host}` });
  return {
    modelName: 'm',
    provider,
    deploymentId: `${host}/up-m`,
    upstreamModel: 'up-m',
    timeouts: { firstTokenMs: 60_000, idleMs: 60_000 },
    // USD per million tokens.
    price: { input: 1_000, output: 2_000 },
  };
}

const echo: CanaryCase = {
  id: 'echo-1',
  suite: 'format',
  request: {
    model: '',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'echo: seven green apples' }] }],
    maxTokens: 32,
    temperature: 0,
    stream: false,
    metadata: {},
    vendorOptions: {},
  },
  grader: { expect: 'seven green apples' },
};

function textOf(answer: ChatResponse): string {
  return answer.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

const exact: GradeAnswer = (canary, answer) => {
  const expected = (canary.grader as { expect: string }).expect;
  const got = textOf(answer).trim();
  return { pass: got === expected, detail: got === expected ? 'ok' : `expected ${expected}, got ${got}` };
};

describe('runCanary', () => {
  it('sends the case to the deployment, grades a correct answer as a pass and prices it', async () => {
    const graded: ChatResponse[] = [];
    const result = await runCanary(
      deployment('ca'),
      echo,
      (canary, answer) => {
        graded.push(answer);
        return exact(canary, answer);
      },
      { transport, clock },
    );
    expect(result).toMatchObject({
      deployment: 'ca/up-m',
      model: 'm',
      provider: 'ca',
      suite: 'format',
      caseId: 'echo-1',
      pass: true,
      detail: 'ok',
    });
    expect(graded).toHaveLength(1);
    const usage = graded[0]?.usage;
    expect(usage?.inputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeCloseTo(
      ((usage?.inputTokens ?? 0) * 1_000 + (usage?.outputTokens ?? 0) * 2_000) / 1e6,
      10,
    );
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.responseModel).toBe(graded[0]?.model);
    expect(result.responseModel).toContain('up-m');
    expect(sim.stats().hosts.ca?.requests).toBe(1);
  });

  it('sends the host a complete, temperature-0 request for its own model id, whatever the case says', async () => {
    const loose: CanaryCase = {
      ...echo,
      request: { ...echo.request, temperature: 0.7, stream: true, streamUsage: true },
    };
    const result = await runCanary(deployment('ct'), loose, exact, { transport, clock });
    expect(result.pass).toBe(true);
    const [sent] = sim.stats().hosts.ct?.recent ?? [];
    expect(sent?.model).toBe('up-m');
    const body = sent?.body as { temperature?: number; stream?: boolean; stream_options?: unknown };
    expect(body.temperature).toBe(0);
    expect(body.stream ?? false).toBe(false);
    expect(body.stream_options).toBeUndefined();
  });

  it('records a failing grade with its detail (Anthropic host)', async () => {
    const wrong: GradeAnswer = (_canary, answer) => ({ pass: false, detail: `got ${textOf(answer).trim()}` });
    const result = await runCanary(deployment('cb', 'anthropic-messages'), echo, wrong, { transport, clock });
    expect(result.pass).toBe(false);
    expect(result.detail).toBe('got seven green apples');
    expect(result.failureClass).toBeUndefined();
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('gives pass null with the failure class when the host fails, without grading', async () => {
    sim.setFault({ host: 'cc', fault: { type: 'status', status: 500 } });
    let grades = 0;
    const result = await runCanary(
      deployment('cc'),
      echo,
      () => {
        grades += 1;
        return { pass: true, detail: 'ok' };
      },
      { transport, clock },
    );
    expect(result.pass).toBeNull();
    expect(result.failureClass).toBe('server_error');
    expect(result.costUsd).toBe(0);
    expect(result.responseModel).toBeUndefined();
    expect(grades).toBe(0);
  });

  it('gives pass null and grader_error when the grader throws', async () => {
    const result = await runCanary(
      deployment('cd'),
      echo,
      () => {
        throw new Error('bad grader');
      },
      { transport, clock },
    );
    expect(result).toMatchObject({
      pass: null,
      failureClass: 'grader_error',
      detail: 'grader threw: bad grader',
    });
  });
});
