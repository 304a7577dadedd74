import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatResponse, ManualClock } from '../core/index.js';
import { createProvider, UpstreamTransport } from '../providers/index.js';
import type { Deployment } from '../routing/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import { runCanary } from './canary-runner.js';
import { worstCaseCostUsd } from './canary-scheduler.js';
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

/** A loopback host answering every request with `answer` (or never, when it is undefined). */
async function host(
  answer: ((body: string) => unknown) | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (answer === undefined) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function loopbackDeployment(url: string, changes: Partial<Deployment> = {}): Deployment {
  return {
    modelName: 'm',
    provider: createProvider('loop', { protocol: 'openai-chat', baseUrl: url }),
    deploymentId: 'loop/up-m',
    upstreamModel: 'up-m',
    timeouts: { firstTokenMs: 60_000, idleMs: 60_000 },
    price: { input: 1_000, output: 2_000 },
    ...changes,
  };
}

const completion = (usage: unknown) => () => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'up-m-2026',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'seven green apples' }, finish_reason: 'stop' },
  ],
  ...(usage === undefined ? {} : { usage }),
});

describe('runCanary results', () => {
  it('gives the whole result of a pass: who, what, when, how long, the price and the model that answered', async () => {
    const start = 1_800_000_000_000;
    clock.set(start);
    const result = await runCanary(deployment('cr'), echo, exact, { transport, clock });
    const latency = clock.now() - start;
    expect(latency).toBeGreaterThan(0);
    expect(result).toStrictEqual({
      deployment: 'cr/up-m',
      model: 'm',
      provider: 'cr',
      suite: 'format',
      caseId: 'echo-1',
      at: start,
      pass: true,
      detail: 'ok',
      latencyMs: latency,
      costUsd: expect.any(Number),
      responseModel: expect.stringContaining('up-m'),
    });
  });

  it('gives the whole result of a host that failed, with no cost and no model', async () => {
    sim.setFault({ host: 'cs', fault: { type: 'status', status: 500 } });
    const start = 1_800_000_000_000;
    clock.set(start);
    const result = await runCanary(deployment('cs'), echo, exact, { transport, clock });
    expect(result).toStrictEqual({
      deployment: 'cs/up-m',
      model: 'm',
      provider: 'cs',
      suite: 'format',
      caseId: 'echo-1',
      at: start,
      pass: null,
      detail: expect.stringMatching(/.+/),
      failureClass: 'server_error',
      latencyMs: clock.now() - start,
      costUsd: 0,
    });
  });

  it('prices an answer at the catalog price of the usage it reports', async () => {
    const loop = await host(completion({ prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 }));
    try {
      const result = await runCanary(loopbackDeployment(loop.url), echo, exact, { transport, clock });
      expect(result).toMatchObject({ pass: true, responseModel: 'up-m-2026' });
      // 30 × $1,000 + 4 × $2,000 per million tokens.
      expect(result.costUsd).toBeCloseTo(0.038, 12);
    } finally {
      await loop.close();
    }
  });

  it('counts an answer without usage at its worst case, and one without a price at 0', async () => {
    const loop = await host(completion(undefined));
    try {
      const target = loopbackDeployment(loop.url);
      const result = await runCanary(target, echo, exact, { transport, clock });
      expect(result.pass).toBe(true);
      expect(result.costUsd).toBe(worstCaseCostUsd(target, echo));
      expect(result.costUsd).toBeGreaterThan(0);
      const unpriced = loopbackDeployment(loop.url, { price: undefined });
      const free = await runCanary(unpriced, echo, exact, { transport, clock });
      expect(free.costUsd).toBe(0);
    } finally {
      await loop.close();
    }
  });

  it('prices usage as reported even when input and output counts are equal', async () => {
    const loop = await host(completion({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 }));
    try {
      const result = await runCanary(loopbackDeployment(loop.url), echo, exact, { transport, clock });
      // 5 × $1,000 + 5 × $2,000 per million tokens.
      expect(result.costUsd).toBeCloseTo(0.015, 12);
    } finally {
      await loop.close();
    }
  });

  it('prices reported usage at 0 on a deployment without a price', async () => {
    const loop = await host(completion({ prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 }));
    try {
      const result = await runCanary(loopbackDeployment(loop.url, { price: undefined }), echo, exact, {
        transport,
        clock,
      });
      expect(result).toMatchObject({ pass: true, costUsd: 0 });
    } finally {
      await loop.close();
    }
  });

  it('counts a host that timed out at the worst case, since it may bill what it generated', async () => {
    const loop = await host(undefined);
    try {
      const target = loopbackDeployment(loop.url, { timeouts: { firstTokenMs: 300, idleMs: 3_000 } });
      const result = await runCanary(target, echo, exact, { transport, clock });
      expect(result).toMatchObject({ pass: null, failureClass: 'timeout' });
      expect(result.costUsd).toBe(worstCaseCostUsd(target, echo));
      expect(result.costUsd).toBeGreaterThan(0);
    } finally {
      await loop.close();
    }
  });

  it("counts a host that trickles its answer past the run's deadline as a timeout, at the worst case", async () => {
    // Headers, then a space (JSON whitespace) every 40 ms: never idle for long (the idle timeout
    // leaves room for a loaded machine), never done.
    const server: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => response.write(' '), 40);
      response.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const target = loopbackDeployment(`http://127.0.0.1:${port}/v1`, {
        timeouts: { firstTokenMs: 200, idleMs: 1_500 },
      });
      const result = await runCanary(target, echo, exact, { transport, clock });
      // Regression: the deadline's abort was classified as a failed connection and charged nothing.
      expect(result).toMatchObject({
        pass: null,
        failureClass: 'timeout',
        detail: 'canary: no complete answer within 1700 ms (first-token plus idle timeout)',
      });
      expect(result.costUsd).toBe(worstCaseCostUsd(target, echo));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('gives up when its signal is aborted, ungraded', async () => {
    const loop = await host(completion(undefined));
    let grades = 0;
    try {
      const result = await runCanary(
        loopbackDeployment(loop.url),
        echo,
        () => {
          grades += 1;
          return { pass: true, detail: 'ok' };
        },
        { transport, clock, signal: AbortSignal.abort() },
      );
      expect(result.pass).toBeNull();
      expect(result.failureClass).toEqual(expect.any(String));
      expect(grades).toBe(0);
    } finally {
      await loop.close();
    }
  });

  it('sends the model name of the deployment, temperature 0 and no stream to the host', async () => {
    const bodies: string[] = [];
    const loop = await host((body) => {
      bodies.push(body);
      return completion(undefined)();
    });
    try {
      const loose: CanaryCase = {
        ...echo,
        request: { ...echo.request, model: 'other', temperature: 0.9, stream: true, streamUsage: true },
      };
      await runCanary(loopbackDeployment(loop.url), loose, exact, { transport, clock });
      const sent = JSON.parse(bodies[0] ?? '{}') as Record<string, unknown>;
      expect(sent.model).toBe('up-m');
      expect(sent.temperature).toBe(0);
      expect(sent.stream ?? false).toBe(false);
      expect(sent.stream_options).toBeUndefined();
      expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(32);
    } finally {
      await loop.close();
    }
  });

  it('keeps the latency, cost and answering model when the grader throws, whatever it throws', async () => {
    const loop = await host(completion({ prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 }));
    try {
      const result = await runCanary(
        loopbackDeployment(loop.url),
        echo,
        () => {
          throw 'not an error';
        },
        { transport, clock },
      );
      expect(result).toStrictEqual({
        deployment: 'loop/up-m',
        model: 'm',
        provider: 'loop',
        suite: 'format',
        caseId: 'echo-1',
        at: clock.now(),
        pass: null,
        detail: 'grader threw: not an error',
        failureClass: 'grader_error',
        latencyMs: 0,
        costUsd: expect.closeTo(0.038, 12),
        responseModel: 'up-m-2026',
      });
    } finally {
      await loop.close();
    }
  });
});
