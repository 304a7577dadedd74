import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { seededRandom } from './support/offset-clock.js';
import { resetHealth, type Stack, startStack } from './support/start-stack.js';

// SCENARIOS.md, numbers 1–14 and 16–18 (15, quality canaries, belongs to a later issue), driven through the simulator. "A" is the first deployment
// of a model, "B" the second. Every assertion is on counts, orderings and states.
//
// Time is the test's alone: Detour runs on a manual clock that moves only when a test advances it
// (ejections, cool-downs, windows), never with the wall clock, so how loaded the machine is cannot
// change what Detour sees. The only real timers are the attempt timeouts: long (3 s) where nothing
// should time out, so a slow machine never turns a healthy answer into a failover, and short
// (500 ms) only on the `quick` models of the scenarios about timeouts.

const clock = new ManualClock();
const logLines: string[] = [];
let stack: Stack;
let client: OpenAI;

function scenarioConfig(simUrl: string): string {
  return `
providers:
  a: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/a, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
  c: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/c/v1, apiKey: key-c-secret }
models:
  m:    { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  m2:   { deployments: [ { provider: a, model: up-m2 }, { provider: b, model: up-m2 } ] }
  q:    { deployments: [ { provider: c, model: up-q }, { provider: b, model: up-q } ] }
  solo: { deployments: [ { provider: a, model: up-solo } ] }
  duo:  { deployments: [ { provider: b, model: up-duo }, { provider: c, model: up-duo } ] }
  quick:
    deployments: [ { provider: a, model: up-quick }, { provider: b, model: up-quick } ]
    timeouts: { firstToken: 500ms, idle: 500ms }
  quick-solo:
    deployments: [ { provider: a, model: up-quick-solo } ]
    timeouts: { firstToken: 500ms, idle: 500ms }
timeouts: { connect: 2s, firstToken: 3s, idle: 3s, total: 20s }
retry: { backoffBase: 20ms, backoffMax: 100ms }
health:
  ejection: { baseTime: 10s, maxTime: 40s, jitter: 0, decayInterval: 10s }
  demotion: { minRequests: 8 }
  halfOpen: { probeAfter: 1s }
  probes: { enabled: false, healthCheck: 3s }
  slowness: { minCalls: 10, window: 10s, period: 1s, minSamplesPerPeriod: 3, warmupPeriods: 3 }
status: { interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s }
`;
}

beforeAll(async () => {
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  stack = await startStack({
    config: scenarioConfig,
    detour: { clock, random: seededRandom(11), logger: { level: 'debug', stream: logs } },
  });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack, clock);
  logLines.length = 0;
});

function calls(host: string): number {
  return stack.sim.stats().hosts[host]?.requests ?? 0;
}

function status(deploymentId: string) {
  return stack.detour.state.health.status(deploymentId);
}

function window(deploymentId: string) {
  return stack.detour.state.health.window(deploymentId).read(60_000);
}

interface Answer {
  status: number;
  deployment: string | null;
  attempts: number;
  retryAfter: string | null;
  body: string;
}

async function ask(model: string, text = 'echo: fine', on: Stack = stack): Promise<Answer> {
  const response = await fetch(`${on.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
  });
  return {
    status: response.status,
    deployment: response.headers.get('x-detour-deployment'),
    attempts: Number(response.headers.get('x-detour-attempts') ?? '1'),
    retryAfter: response.headers.get('retry-after'),
    body: await response.text(),
  };
}

async function streamText(
  model: string,
  text: string,
  sdk: OpenAI = client,
): Promise<{ text: string; error: unknown }> {
  const stream = await sdk.chat.completions.create({
    model,
    messages: [{ role: 'user', content: text }],
    stream: true,
  });
  let collected = '';
  try {
    for await (const chunk of stream) collected += chunk.choices[0]?.delta.content ?? '';
    return { text: collected, error: undefined };
  } catch (error) {
    return { text: collected, error };
  }
}

const overloaded = { type: 'status', status: 529 } as const;

describe('1–2: 529 storm at A, then recovery', () => {
  it('1: fails over on the second attempt without a same-host retry, ejects A after 5, then skips it', async () => {
    stack.sim.setFault({ host: 'a', fault: overloaded });
    const answers: Answer[] = [];
    for (let index = 0; index < 8; index += 1) answers.push(await ask('m'));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(answers.every((answer) => answer.deployment === 'b/up-m')).toBe(true);
    expect(answers.map((answer) => answer.attempts)).toEqual([2, 2, 2, 2, 2, 1, 1, 1]);
    expect(calls('a')).toBe(5);
    expect(calls('b')).toBe(8);
    expect(status('a/up-m').state).toBe('open');
    expect(window('a/up-m').byResult.overloaded).toBe(5);
    expect(status('b/up-m').state).toBe('closed');
  });

  it('2: after the fault clears, at most 3 trials reach A, a probe restores it, traffic ramps back', async () => {
    stack.sim.setFault({ host: 'a', fault: overloaded });
    for (let index = 0; index < 5; index += 1) await ask('m');
    expect(status('a/up-m').state).toBe('open');
    const ejectionCount = status('a/up-m').ejectionCount;
    expect(ejectionCount).toBe(1);
    stack.sim.clearFaults();
    stack.sim.resetStats();
    clock.advance(10_001);
    expect(status('a/up-m').state).toBe('half_open');

    // Real traffic prefers the healthy peer; the half-open host gets no more than its trials.
    for (let index = 0; index < 5; index += 1) expect((await ask('m')).deployment).toBe('b/up-m');
    expect(calls('a')).toBeLessThanOrEqual(3);

    // No client traffic reaches A, so the prober restores it: one tiny streaming request per trial.
    for (let trial = 0; trial < 3 && status('a/up-m').state === 'half_open'; trial += 1) {
      clock.advance(1_001);
      await stack.detour.prober.tick();
    }
    expect(status('a/up-m').state).toBe('closed');
    const probe = stack.sim.stats().hosts.a?.recent.at(-1);
    expect(probe?.body).toMatchObject({ model: 'up-m', stream: true, max_tokens: 8 });

    // Ramp: 10 % at first, so A is tried first on only some requests...
    expect(status('a/up-m').admissionWeight).toBeCloseTo(0.1);
    stack.sim.resetStats();
    for (let index = 0; index < 30; index += 1) await ask('m');
    expect(calls('a')).toBeGreaterThan(0);
    expect(calls('a')).toBeLessThan(15);
    // ...and all of them once the ramp is over.
    clock.advance(60_001);
    stack.sim.resetStats();
    for (let index = 0; index < 5; index += 1) await ask('m');
    expect(calls('a')).toBe(5);
    // The ejection multiplier decayed during the healthy minute.
    expect(status('a/up-m').ejectionCount).toBe(0);
  });

  it('2: on a model with no other deployment, real traffic supplies the trials, at most 3 at once', async () => {
    stack.sim.setFault({ host: 'a', fault: overloaded });
    for (let index = 0; index < 5 && status('a/up-solo').state !== 'open'; index += 1) await ask('solo');
    expect(status('a/up-solo').state).toBe('open');
    stack.sim.clearFaults();
    // Slow answers keep the trials in flight together: a second is far longer than it takes the six
    // requests to arrive, even on a loaded machine (and far shorter than the 3 s first-token limit).
    stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 1_000 } });
    stack.sim.resetStats();
    clock.advance(10_001);
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask('solo')));
    expect(calls('a')).toBe(3);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    const shed = answers.filter((answer) => answer.status !== 200);
    expect(shed.every((answer) => answer.status === 503 && answer.retryAfter !== null)).toBe(true);
    expect(status('a/up-solo').state).toBe('closed');
  });
});

describe('2 (early restore): a host that recovers early in its ejection', () => {
  it('passes a health check and is restored before the ejection would have ended', async () => {
    stack.sim.setFault({ host: 'a', fault: overloaded });
    for (let index = 0; index < 5; index += 1) await ask('m');
    const openUntil = status('a/up-m').openUntil ?? 0;
    expect(status('a/up-m').state).toBe('open');
    // Still failing: the check fails and the ejection stands.
    clock.advance(3_001);
    await stack.detour.prober.tick();
    expect(status('a/up-m').state).toBe('open');
    expect(calls('a')).toBe(6);
    // Recovered: the next check passes, trials follow, A is back well before its ejection's end.
    stack.sim.clearFaults();
    clock.advance(3_001);
    await stack.detour.prober.tick();
    expect(status('a/up-m').state).toBe('half_open');
    for (let trial = 0; trial < 3 && status('a/up-m').state !== 'closed'; trial += 1) {
      clock.advance(1_001);
      await stack.detour.prober.tick();
    }
    expect(status('a/up-m').state).toBe('closed');
    expect(clock.now()).toBeLessThan(openUntil);
    expect(calls('a')).toBe(10);
  });
});

describe('3–7: our side and the request side are not host failures', () => {
  it('3: 429 with retry-after: 2 cools A down for 2 s; traffic moves to B; no failure counted', async () => {
    stack.sim.setFault({
      host: 'a',
      times: 1,
      fault: { type: 'status', status: 429, headers: { 'retry-after': '2' } },
    });
    const first = await ask('m');
    expect(first).toMatchObject({ status: 200, deployment: 'b/up-m', attempts: 2 });
    for (let index = 0; index < 3; index += 1) expect((await ask('m')).deployment).toBe('b/up-m');
    expect(calls('a')).toBe(1);
    expect(status('a/up-m').coolingUntil).toBeDefined();
    expect(window('a/up-m').failures).toBe(0);
    expect(status('a/up-m').state).toBe('closed');
    clock.advance(2_001);
    expect((await ask('m')).deployment).toBe('a/up-m');
    expect(calls('a')).toBe(2);
  });

  it('4: insufficient_quota: exactly 1 call, A disabled until an admin re-enables it', async () => {
    stack.sim.setFault({
      host: 'c',
      fault: {
        type: 'status',
        status: 429,
        errorType: 'insufficient_quota',
        errorCode: 'insufficient_quota',
        message: 'You exceeded your current quota',
      },
    });
    expect(await ask('q')).toMatchObject({ status: 200, deployment: 'b/up-q' });
    clock.advance(600_000);
    for (let index = 0; index < 3; index += 1) expect((await ask('q')).deployment).toBe('b/up-q');
    expect(calls('c')).toBe(1);
    expect(status('c/up-q').disabled).toBe('quota');
    expect(window('c/up-q').failures).toBe(0);
    stack.sim.clearFaults();
    stack.detour.state.health.breaker('c/up-q').enable();
    expect((await ask('q')).deployment).toBe('c/up-q');
  });

  it('5: context length exceeded: 1 call, no failover, a 400 in OpenAI format, health untouched', async () => {
    stack.sim.setFault({
      host: 'c',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'invalid_request_error',
        errorCode: 'context_length_exceeded',
        message: "This model's maximum context length is 128000 tokens.",
      },
    });
    const answer = await ask('q');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'context_length_exceeded' } });
    expect(calls('c')).toBe(1);
    expect(calls('b')).toBe(0);
    expect(window('c/up-q').failures).toBe(0);
    expect(status('c/up-q')).toMatchObject({ state: 'closed', demoted: false });
  });

  it('6: a content-policy refusal is returned at once: no retry, no failover', async () => {
    stack.sim.setFault({
      host: 'c',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'invalid_request_error',
        errorCode: 'content_policy_violation',
        message: 'Your request was rejected as a result of our safety system.',
      },
    });
    const answer = await ask('q');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(calls('c')).toBe(1);
    expect(calls('b')).toBe(0);
    expect(window('c/up-q').failures).toBe(0);
  });

  it('7: 401 on A disables it as a config fault and fails over; the key appears nowhere', async () => {
    stack.sim.setFault({
      host: 'a',
      fault: {
        type: 'status',
        status: 401,
        errorType: 'authentication_error',
        message: 'invalid x-api-key key-a-secret',
      },
    });
    const answers = [await ask('m'), await ask('m'), await ask('solo')];
    expect(answers[0]).toMatchObject({ status: 200, deployment: 'b/up-m' });
    expect(answers[1]).toMatchObject({ status: 200, deployment: 'b/up-m', attempts: 1 });
    expect(calls('a')).toBe(2); // once for m, once for solo: each deployment is its own key use
    expect(status('a/up-m').disabled).toBe('auth');
    expect(answers[2]?.status).toBe(502);
    for (const answer of answers) expect(answer.body).not.toContain('key-a-secret');
    const health = await fetch(`${stack.detour.url}/metrics`).then((response) => response.text());
    expect(health).not.toContain('key-a-secret');
    expect(logLines.join('')).not.toContain('key-a-secret');
    expect(status('a/up-m').state).toBe('closed');
  });
});

describe('8–11 and 17–18: broken hosts', () => {
  it('8: a silent host is failed over at the first-token timeout, ejected after 5, never retried', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'silence' } });
    const answers: Answer[] = [];
    for (let index = 0; index < 6; index += 1) answers.push(await ask('quick'));
    expect(answers.every((answer) => answer.status === 200 && answer.deployment === 'b/up-quick')).toBe(true);
    expect(calls('a')).toBe(5);
    expect(window('a/up-quick').byResult.timeout).toBe(5);
    expect(status('a/up-quick').state).toBe('open');
    // On a model with nowhere else to go, a silent host still gets no second try in the same request.
    stack.sim.resetStats();
    const solo = await ask('quick-solo');
    expect(solo.status).toBe(504);
    expect(calls('a')).toBe(1);
  });

  it('9: an SSE error event before any content: one clean stream from B', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stream_error', afterChunks: 0 } });
    const result = await streamText('m', 'echo: a clean stream from b');
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('a clean stream from b');
    expect(calls('a')).toBe(1);
    expect(calls('b')).toBe(1);
    expect(window('a/up-m').byResult.overloaded).toBe(1);
  });

  it('10: an SSE error after content: the deltas, then an error event, nothing spliced, failure counted', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stream_error', afterChunks: 2 } });
    const result = await streamText('m', 'echo: one two three four five six');
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
    expect(result.text.length).toBeGreaterThan(0);
    expect('one two three four five six'.startsWith(result.text)).toBe(true);
    expect(result.text).not.toBe('one two three four five six');
    expect(calls('b')).toBe(0);
    expect(window('a/up-m').failures).toBe(1);
  });

  it('11: a stream that stalls after the first token ends with an error event at the idle timeout', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stall', afterChunks: 1 } });
    const result = await streamText('quick', 'echo: one two three four');
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
    expect(result.text.length).toBeGreaterThan(0);
    expect(calls('b')).toBe(0);
    expect(window('a/up-quick').byResult.timeout).toBe(1);
  });

  it('17: a malformed 200 body counts as bad_response and fails over', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'malformed_json' } });
    expect(await ask('m')).toMatchObject({ status: 200, deployment: 'b/up-m', attempts: 2 });
    expect(window('a/up-m').byResult.bad_response).toBe(1);
  });

  it('18: a reset after the headers counts as transport and fails over', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body' } });
    expect(await ask('m')).toMatchObject({ status: 200, deployment: 'b/up-m', attempts: 2 });
    expect(window('a/up-m').byResult.transport).toBe(1);
  });
});

describe('12–14: load, flapping, slowness', () => {
  it('12: both deployments 503 under load: attempts stay within the budget, clients get fast 503s', async () => {
    stack.sim.setFault({ host: 'b', fault: { type: 'status', status: 503 } });
    stack.sim.setFault({ host: 'c', fault: { type: 'status', status: 503 } });
    const answers: Answer[] = [];
    for (let wave = 0; wave < 6; wave += 1) {
      answers.push(...(await Promise.all(Array.from({ length: 8 }, () => ask('duo')))));
    }
    const upstreamCalls = calls('b') + calls('c');
    expect(upstreamCalls / answers.length).toBeLessThanOrEqual(1.1);
    expect(answers.every((answer) => answer.status === 502 || answer.status === 503)).toBe(true);
    // Once both are ejected, the panic throttle sheds nearly everything at once with a retry-after.
    const shed = answers.slice(-8).filter((answer) => answer.status === 503 && answer.retryAfter !== null);
    expect(shed.length).toBeGreaterThanOrEqual(6);
    expect(status('b/up-duo').state).toBe('open');
    expect(status('c/up-duo').state).toBe('open');
  });

  it('13: a flapping host is ejected for growing times, capped at the maximum', async () => {
    const ejections: number[] = [];
    for (let cycle = 0; cycle < 6; cycle += 1) {
      stack.sim.setFault({ host: 'a', fault: overloaded });
      // Closed: 5 failures eject. Half-open: the first failed trial ejects again.
      for (let step = 0; step < 10 && status('a/up-m').state !== 'open'; step += 1) {
        if (status('a/up-m').state === 'half_open') await stack.detour.prober.tick();
        else await ask('m');
      }
      expect(status('a/up-m').state).toBe('open');
      const open = status('a/up-m');
      ejections.push((open.openUntil ?? 0) - clock.now());
      clock.advance((open.openUntil ?? 0) - clock.now() + 1);
      clock.advance(1_001);
    }
    // 10 s × consecutive ejections, capped at 40 s.
    expect(ejections.map((ms) => Math.round(ms / 1000))).toEqual([10, 20, 30, 40, 40, 40]);
    stack.sim.clearFaults();
  });
});

// 14 runs on a stack of its own whose simulator waits by moving Detour's clock instead of a timer:
// Detour then measures exactly the time to first token the simulator was told to take, 40 ms or
// 160 ms, however loaded the machine is. Against wall-clock first tokens a busy machine could lift
// the fast baseline past half the slow one (no flag) or time a fast answer out (a failover).
describe('14: slowness, timed by the simulator itself', () => {
  const slowClock = new ManualClock();
  let slowStack: Stack;
  let slowClient: OpenAI;

  beforeAll(async () => {
    slowStack = await startStack({
      config: scenarioConfig,
      sim: {
        wait: async (ms) => {
          slowClock.advance(ms);
        },
      },
      detour: { clock: slowClock, random: seededRandom(14) },
    });
    slowClient = new OpenAI({ baseURL: slowStack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  });

  afterAll(async () => {
    await slowStack.close();
  });

  /** Four streams in each of `periods` slowness periods (1 s), each period starting on its second. */
  async function streamPeriods(periods: number, text: string): Promise<void> {
    for (let period = 0; period < periods; period += 1) {
      slowClock.set(Math.floor(slowClock.now() / 1_000) * 1_000 + 1_000);
      for (let index = 0; index < 4; index += 1) {
        expect((await streamText('m', text, slowClient)).error).toBeUndefined();
      }
    }
  }

  it('14: time to first token ×4 with no errors marks A slow, not ejected, and tries B first', async () => {
    const health = slowStack.detour.state.health;
    slowStack.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 40 } });
    await streamPeriods(5, 'echo: quick');
    expect(slowStack.sim.stats().hosts.b?.requests ?? 0).toBe(0);
    expect(slowStack.sim.stats().hosts.a?.requests).toBe(20);
    expect(health.status('a/up-m').degraded).toBe(false);
    expect(health.snapshot().find((entry) => entry.id === 'a/up-m')?.baselineTtftMs).toBe(40);
    expect(health.window('a/up-m').read(10_000).ttftP95).toBe(40);

    slowStack.sim.clearFaults();
    slowStack.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 160 } });
    // Past the 10 s window of the fast answers, so only the slow ones are "recent".
    slowClock.advance(11_000);
    await streamPeriods(2, 'echo: slow');
    // Eight slow samples: fewer than the 10 the window needs, so not yet.
    expect(health.status('a/up-m').degraded).toBe(false);
    await streamPeriods(2, 'echo: slow');
    const slow = health.status('a/up-m');
    expect(slow.degraded).toBe(true);
    expect(slow.state).toBe('closed');
    expect(health.window('a/up-m').read(10_000).ttftP95).toBe(160);
    expect(health.window('a/up-m').read(60_000).failures).toBe(0);
    // Slowness is judged once a second: the first answer of the fourth slow period (13 samples)
    // raised the flag, and that period's other three streams went to B first.
    expect(slowStack.sim.stats().hosts.a?.requests).toBe(20 + 13);
    expect(slowStack.sim.stats().hosts.b?.requests).toBe(3);
    expect((await ask('m', 'echo: fine', slowStack)).deployment).toBe('b/up-m');
  });
});

describe('16: the motivating incident', () => {
  it('40 % 529 and 20 % 500 on two models of A: no client failure, A demoted then ejected, one incident per model, restored after', async () => {
    for (const model of ['up-m', 'up-m2']) {
      stack.sim.setFault({ host: 'a', model, fault: overloaded, probability: 0.4 });
      stack.sim.setFault({ host: 'a', model, fault: { type: 'status', status: 500 }, probability: 0.2 });
    }
    const health = stack.detour.state.health;
    const answers: Array<{ status: number; error?: unknown }> = [];
    const demoted = new Set<string>();
    const ejected = new Set<string>();
    for (let index = 0; index < 80; index += 1) {
      const model = index % 2 === 0 ? 'm' : 'm2';
      if (index % 4 < 2) answers.push(await ask(model));
      else {
        const streamed = await streamText(model, 'echo: streamed through the storm');
        answers.push({ status: streamed.error === undefined ? 200 : 0, error: streamed.error });
      }
      for (const id of ['a/up-m', 'a/up-m2']) {
        if (health.status(id).demoted) demoted.add(id);
        if (health.status(id).state !== 'closed') ejected.add(id);
      }
    }
    // What the client saw: nothing but answers.
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    // What the health state became: demoted within a few requests (A then takes traffic only after
    // B), ejected only where the consecutive-failure or rate rule was crossed first.
    expect([...new Set([...demoted, ...ejected])].sort()).toEqual(['a/up-m', 'a/up-m2']);
    expect(calls('a')).toBeLessThan(40);
    expect(health.status('b/up-m').state).toBe('closed');

    // What was recorded: one incident per affected model, infrastructure not model quality.
    const detector = stack.detour.status.detector;
    await detector.evaluate();
    clock.advance(2_100);
    await detector.evaluate();
    const incidents = await stack.detour.status.store.listIncidents({ open: true });
    expect(incidents.map((incident) => incident.components[0]).sort()).toEqual(['m', 'm2']);
    for (const incident of incidents) {
      expect(['overloaded', 'outage']).toContain(incident.kind);
      const evidence = incident.evidence as {
        attribution: string;
        users: { sawErrors: boolean };
        canaries: { measured: boolean; note: string };
      };
      expect(['capacity', 'host_infrastructure']).toContain(evidence.attribution);
      expect(evidence.users.sawErrors).toBe(false);
      expect(evidence.canaries).toMatchObject({
        measured: false,
        verdict: 'unknown',
        note: 'canaries: off, model quality not measured',
      });
    }

    // Automatic restore once the fault clears: trials close an open breaker, and a demotion ends
    // when its window no longer holds the failures.
    stack.sim.clearFaults();
    clock.advance(61_000);
    for (let trial = 0; trial < 3; trial += 1) {
      clock.advance(1_001);
      await stack.detour.prober.tick();
    }
    for (const id of ['a/up-m', 'a/up-m2']) {
      expect(health.status(id)).toMatchObject({ state: 'closed', demoted: false });
    }
    await detector.evaluate();
    clock.advance(11_000);
    await detector.evaluate();
    const after = await stack.detour.status.store.listIncidents({});
    expect(
      after
        .filter((incident) => incident.status === 'resolved')
        .map((incident) => incident.components[0])
        .sort(),
    ).toEqual(['m', 'm2']);
  });
});
