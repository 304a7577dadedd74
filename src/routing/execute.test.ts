import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatRequest, DetourError, ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { codecFor } from '../protocols/index.js';
import { createProvider, UpstreamTransport } from '../providers/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import type { RetryPolicy } from './attempt-sequence.js';
import {
  AllAttemptsFailed,
  type AttemptRecord,
  type ExecuteOptions,
  executeNonStream,
  executeStream,
} from './execute.js';
import type { Deployment } from './model-table.js';
import { RoutingState } from './routing-state.js';

// The attempt loop against the real simulator. Its delays move the injected clock instead of
// costing real time, so latencies are exact; a wait hook lets a test act while a host is mid-answer.

const policy: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 500, backoffMaxMs: 8000, maxRetryAfterMs: 3000 };

let sim: Simulator;
let transport: UpstreamTransport;
let clock: ManualClock;
let onWait: ((ms: number) => void) | undefined;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 1,
    wait: async (ms) => {
      clock.advance(ms);
      onWait?.(ms);
    },
  });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  clock = new ManualClock();
  onWait = undefined;
});

function deployment(host: string, extra: Partial<Deployment> = {}): Deployment {
  return {
    modelName: 'm',
    provider: createProvider(host, { protocol: 'openai-chat', baseUrl: `${sim.url}/hosts/${host}/v1` }),
    deploymentId: `${host}/up-m`,
    upstreamModel: 'up-m',
    timeouts: { firstTokenMs: 10_000, idleMs: 10_000 },
    ...extra,
  };
}

function input(stream: boolean, signal: AbortSignal = new AbortController().signal) {
  const request: ChatRequest = {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'echo: one two three four' }] }],
    stream,
    metadata: {},
    vendorOptions: {},
  };
  return {
    request,
    clientProtocol: 'openai-chat' as const,
    rawBody: codecFor('openai-chat').encodeRequest(request, 'm'),
    clientHeaders: {},
    signal,
    transport,
    clock,
  };
}

function setup() {
  const health = new MemoryHealthStore({ clock, breaker: { ejection: { baseTime: 1000, jitter: 0 } } });
  const state = new RoutingState({ health, clock, random: () => 0.5 });
  const observed: AttemptRecord[] = [];
  const budgetExhausted: string[] = [];
  const options: ExecuteOptions = {
    state,
    policy,
    onAttempt: (_deployment, record) => observed.push({ ...record }),
    onBudgetExhausted: (model) => budgetExhausted.push(model),
  };
  return { health, state, observed, budgetExhausted, options };
}

function eject(health: MemoryHealthStore, id: string): void {
  for (let index = 0; index < 5; index += 1)
    health.record({ deploymentId: id, at: clock.now(), result: 'server_error', latencyMs: 1 });
}

async function failure(promise: Promise<unknown>): Promise<AllAttemptsFailed> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(AllAttemptsFailed);
  return thrown as AllAttemptsFailed;
}

const totalDeadline = () =>
  new DetourError('upstream_timeout', 'timeout', 'the request deadline passed', { timeout: 'total' });

describe('executeNonStream', () => {
  it('records each attempt with its own latency, and nothing a plain attempt is not', async () => {
    const { observed, budgetExhausted, options } = setup();
    sim.setFault({ host: 'ea', fault: { type: 'status', status: 500 }, times: 1 });
    sim.setFault({ host: 'eb', fault: { type: 'latency', ms: 30 }, times: 1 });
    const served = await executeNonStream(
      [{ model: 'm', deployments: [deployment('ea'), deployment('eb')] }],
      input(false),
      options,
    );
    expect(served.deployment.deploymentId).toBe('eb/up-m');
    expect(served.attempts).toMatchObject([
      { deploymentId: 'ea/up-m', outcome: 'server_error', latencyMs: 0 },
      { deploymentId: 'eb/up-m', outcome: 'success', latencyMs: 30 },
    ]);
    expect(served.attempts[0]?.error?.failureClass).toBe('server_error');
    for (const record of served.attempts)
      expect(
        Object.keys(record).filter((key) =>
          ['trial', 'panic', 'timeToFirstTokenMs', 'abandoned', 'silent', 'firstTokenLimitMs'].includes(key),
        ),
      ).toEqual([]);
    expect(observed.map((record) => record.outcome)).toEqual(['server_error', 'success']);
    expect(budgetExhausted).toEqual([]);
  });

  it('does not blame the retry budget when every candidate simply failed', async () => {
    const { budgetExhausted, options } = setup();
    sim.setFault({ host: 'ec', fault: { type: 'status', status: 500 } });
    const failed = await failure(
      executeNonStream([{ model: 'm', deployments: [deployment('ec')] }], input(false), options),
    );
    expect(failed.attempts).toHaveLength(2);
    expect(budgetExhausted).toEqual([]);
  });

  it('marks a half-open trial as a trial and the panic choice as panic', async () => {
    const { health, options } = setup();
    eject(health, 'ed/up-m');
    clock.advance(1001);
    const trial = await executeNonStream(
      [{ model: 'm', deployments: [deployment('ed')] }],
      input(false),
      options,
    );
    expect(trial.attempts).toMatchObject([{ trial: true }]);
    expect(trial.attempts[0]?.panic).toBeUndefined();
    eject(health, 'ee/up-m');
    const panic = await executeNonStream(
      [{ model: 'm', deployments: [deployment('ee')] }],
      input(false),
      options,
    );
    expect(panic.attempts).toMatchObject([{ panic: true }]);
    expect(panic.attempts[0]?.trial).toBeUndefined();
  });

  it('counts served panic requests as accepted, so the throttle lets them through', async () => {
    const { health, options } = setup();
    eject(health, 'ef/up-m');
    for (let index = 0; index < 5; index += 1) {
      const served = await executeNonStream(
        [{ model: 'm', deployments: [deployment('ef')] }],
        input(false),
        options,
      );
      expect(served.attempts).toMatchObject([{ panic: true, outcome: 'success' }]);
    }
  });

  it('stops in a same-host retry wait when the client leaves, reporting the host failure', async () => {
    const { options } = setup();
    const controller = new AbortController();
    sim.setFault({
      host: 'eg',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '1' } },
      times: 1,
    });
    const failed = await failure(
      executeNonStream([{ model: 'm', deployments: [deployment('eg')] }], input(false, controller.signal), {
        ...options,
        // Aborts once the loop is waiting: the attempt has settled, the wait has begun.
        onAttempt: () => setImmediate(() => controller.abort()),
      }),
    );
    expect(failed.attempts).toHaveLength(1);
    expect(failed.code).toBe('upstream_rate_limited');
  });

  it('reports the request deadline when it passes in a same-host retry wait', async () => {
    const { options } = setup();
    const controller = new AbortController();
    sim.setFault({
      host: 'eh',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '1' } },
      times: 1,
    });
    const failed = await failure(
      executeNonStream([{ model: 'm', deployments: [deployment('eh')] }], input(false, controller.signal), {
        ...options,
        onAttempt: () => setImmediate(() => controller.abort(totalDeadline())),
      }),
    );
    expect(failed.attempts).toHaveLength(1);
    expect(failed.code).toBe('upstream_timeout');
  });

  it('marks an attempt the client left as abandoned, but not one its deadline ended', async () => {
    const { options } = setup();
    for (const [reason, abandoned] of [
      [undefined, true],
      [totalDeadline(), undefined],
    ] as const) {
      const controller = new AbortController();
      onWait = () => controller.abort(reason);
      sim.setFault({ host: 'ei', fault: { type: 'latency', ms: 50 }, times: 1 });
      const failed = await failure(
        executeNonStream(
          [{ model: 'm', deployments: [deployment('ei')] }],
          input(false, controller.signal),
          options,
        ),
      );
      expect(failed.attempts).toHaveLength(1);
      expect(failed.attempts[0]?.abandoned).toBe(abandoned);
    }
  });
});

describe('executeStream', () => {
  it('settles a finished stream once, with its time to first token and full latency', async () => {
    const { observed, options } = setup();
    sim.setFault({ host: 'sa', fault: { type: 'time_to_first_token', ms: 20 }, times: 1 });
    const served = await executeStream(
      [{ model: 'm', deployments: [deployment('sa')] }],
      input(true),
      options,
    );
    expect(served.attempts[0]?.timeToFirstTokenMs).toBe(20);
    expect(observed).toEqual([]);
    for await (const _chunk of served.result.rest);
    expect(observed).toHaveLength(1);
    expect(observed[0]).toMatchObject({
      outcome: 'success',
      latencyMs: clock.now() - (observed[0]?.startedAt ?? 0),
    });
    expect(observed[0]?.latencyMs).toBeGreaterThanOrEqual(20);
    expect(observed[0]?.abandoned).toBeUndefined();
  });

  it('settles a stream the client left as abandoned, once', async () => {
    const { observed, options } = setup();
    const served = await executeStream(
      [{ model: 'm', deployments: [deployment('sb')] }],
      input(true),
      options,
    );
    // The client reads on, then leaves before the end.
    expect((await served.result.rest.next()).done).toBe(false);
    await served.result.rest.return(undefined);
    expect(observed).toHaveLength(1);
    expect(observed[0]).toMatchObject({ outcome: 'success', abandoned: true });
  });

  it('settles a stream that broke after content as that failure, once, with its error', async () => {
    const { observed, options } = setup();
    sim.setFault({ host: 'sc', fault: { type: 'stream_error', afterChunks: 1 }, times: 1 });
    const served = await executeStream(
      [{ model: 'm', deployments: [deployment('sc')] }],
      input(true),
      options,
    );
    await expect(async () => {
      for await (const _chunk of served.result.rest);
    }).rejects.toBeInstanceOf(DetourError);
    expect(observed).toHaveLength(1);
    expect(observed[0]?.outcome).not.toBe('success');
    expect(observed[0]?.error?.failureClass).toBe(observed[0]?.outcome);
    expect(observed[0]?.abandoned).toBeUndefined();
  });

  it('counts a stream cut by the client as abandoned, and one cut by its deadline as a timeout', async () => {
    const { observed, options } = setup();
    for (const reason of [undefined, totalDeadline()]) {
      observed.length = 0;
      const controller = new AbortController();
      sim.setFault({ host: 'sd', fault: { type: 'stall', afterChunks: 1 }, times: 1 });
      const served = await executeStream(
        [{ model: 'm', deployments: [deployment('sd')] }],
        input(true, controller.signal),
        options,
      );
      controller.abort(reason);
      await expect(async () => {
        for await (const _chunk of served.result.rest);
      }).rejects.toBeDefined();
      expect(observed).toHaveLength(1);
      if (reason === undefined) expect(observed[0]?.abandoned).toBe(true);
      else expect(observed[0]).toMatchObject({ outcome: 'timeout' });
      if (reason !== undefined) expect(observed[0]?.abandoned).toBeUndefined();
    }
  });
});

describe('silent hosts', () => {
  it('moves a host that held the connection silent, then closed it, to the fallback at once', async () => {
    for (const stream of [false, true]) {
      const { options } = setup();
      const host = stream ? 'ta' : 'tb';
      // Half the 10 s first-token limit, by the injected clock: a silence, not a quick reset.
      sim.setFault({ host, fault: { type: 'silence', closeAfterMs: 5_000 } });
      sim.resetStats();
      const fallback = { ...deployment('tc'), modelName: 'other' };
      const served = await (stream ? executeStream : executeNonStream)(
        [
          { model: 'm', deployments: [deployment(host)] },
          { model: 'other', deployments: [fallback] },
        ],
        input(stream),
        options,
      );
      expect(served.deployment.deploymentId).toBe('tc/up-m');
      expect(served.attempts).toMatchObject([
        { deploymentId: `${host}/up-m`, outcome: 'transport', silent: true, latencyMs: 5_000 },
        { deploymentId: 'tc/up-m', outcome: 'success' },
      ]);
      expect(sim.stats().hosts[host]?.requests).toBe(1);
      if ('rest' in served.result) for await (const _chunk of served.result.rest);
    }
  });

  it('retries a quick connection reset on the same host, as before', async () => {
    const { options } = setup();
    sim.setFault({ host: 'td', fault: { type: 'reset_before_headers' }, times: 1 });
    const served = await executeNonStream(
      [{ model: 'm', deployments: [deployment('td')] }],
      input(false),
      options,
    );
    expect(served.attempts).toMatchObject([
      { deploymentId: 'td/up-m', outcome: 'transport' },
      { deploymentId: 'td/up-m', outcome: 'success' },
    ]);
    expect(served.attempts[0]?.silent).toBeUndefined();
  });
});

describe('the adaptive first-token limit', () => {
  const adaptiveFirstToken = { multiplier: 4, floorMs: 100, minSamples: 5 };

  /** Gives a deployment a first-token baseline: `samples` streams that started after `ttftMs`. */
  function learn(health: MemoryHealthStore, id: string, ttftMs: number, samples = 5): void {
    for (let index = 0; index < samples; index += 1)
      health.record({
        deploymentId: id,
        at: clock.now(),
        result: 'success',
        latencyMs: ttftMs + 5,
        timeToFirstTokenMs: ttftMs,
      });
  }

  it('abandons a silent stream at max(floor, 4 × p99) when a fallback can take it', async () => {
    const { health, options } = setup();
    learn(health, 'ua/up-m', 10);
    sim.setFault({ host: 'ua', fault: { type: 'silence' } });
    const served = await executeStream(
      [
        { model: 'm', deployments: [deployment('ua', { adaptiveFirstToken })] },
        { model: 'other', deployments: [{ ...deployment('ub'), modelName: 'other' }] },
      ],
      input(true),
      options,
    );
    expect(served.deployment.deploymentId).toBe('ub/up-m');
    expect(served.attempts[0]).toMatchObject({ outcome: 'timeout', silent: true, firstTokenLimitMs: 100 });
    expect(served.attempts[0]?.error?.message).toContain('nothing for 100 ms');
    for await (const _chunk of served.result.rest);
  });

  it('keeps the configured limit with nowhere else to go, too few samples, or no stream', async () => {
    const { health, options } = setup();
    sim.setFault({ host: 'uc', fault: { type: 'silence' } });
    sim.setFault({ host: 'ud', fault: { type: 'silence' } });
    learn(health, 'uc/up-m', 10);
    learn(health, 'ud/up-m', 10, 4);
    const configured = { firstTokenMs: 300, idleMs: 300 };
    const alone = await failure(
      executeStream(
        [{ model: 'm', deployments: [deployment('uc', { adaptiveFirstToken, timeouts: configured })] }],
        input(true),
        options,
      ),
    );
    expect(alone.attempts).toHaveLength(1);
    expect(alone.attempts[0]?.firstTokenLimitMs).toBeUndefined();
    expect(alone.attempts[0]?.error?.message).toContain('nothing for 300 ms');

    const fallbacks = [{ model: 'other', deployments: [{ ...deployment('ue'), modelName: 'other' }] }];
    const unlearned = await executeStream(
      [
        { model: 'm', deployments: [deployment('ud', { adaptiveFirstToken, timeouts: configured })] },
        ...fallbacks,
      ],
      input(true),
      options,
    );
    expect(unlearned.attempts[0]?.firstTokenLimitMs).toBeUndefined();
    expect(unlearned.attempts[0]?.error?.message).toContain('nothing for 300 ms');
    for await (const _chunk of unlearned.result.rest);

    const whole = await executeNonStream(
      [
        { model: 'm', deployments: [deployment('uc', { adaptiveFirstToken, timeouts: configured })] },
        ...fallbacks,
      ],
      input(false),
      options,
    );
    expect(whole.attempts[0]).toMatchObject({ outcome: 'timeout', silent: true });
    expect(whole.attempts[0]?.firstTokenLimitMs).toBeUndefined();
  });
});
