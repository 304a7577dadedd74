import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { seededRandom } from './support/offset-clock.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// SCENARIOS.md 25: "A is the model's only deployment and answers 503 for 60 s, then recovers; one
// request every 4 s → the fallback serves while A is down; A receives at most a handful of calls
// during the outage (trials and health checks); A serves again within 30 s of recovering."
//
// Health runs on its defaults (DESIGN.md section 7: 5 consecutive failures eject for 30 s × the
// ejection count with 10 % jitter, a health check every 10 s while ejected, 3 half-open trials, a
// prober that looks every second). Time is the test's: Detour's clock moves a second at a time and
// the prober ticks at each second, as its 1 s interval would, so the scenario's 60 s outage, 4 s
// cadence and 30 s recovery are the real figures and cost no real time. The only knobs set are the
// real-time back-off of same-host retries (a count, not a time, is asserted) and the prober's own
// timer, off because the test ticks it.

const clock = new ManualClock();
let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/b, apiKey: key-b }
models:
  primary:  { deployments: [ { provider: a, model: up-primary } ], fallbacks: [fallback] }
  fallback: { deployments: [ { provider: b, model: up-fallback } ] }
timeouts: { connect: 2s, firstToken: 3s, idle: 3s, total: 20s }
retry: { backoffBase: 20ms, backoffMax: 100ms }
health:
  probes: { enabled: false }
`,
    detour: { clock, random: seededRandom(25) },
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
});

interface Served {
  /** Seconds since the outage began, by Detour's clock. */
  at: number;
  model: string | null;
  text: string;
}

/**
 * Runs the scenario: A answers 503 from second 0 until `outageSeconds`, a client asks every 4 s
 * until `endSeconds`, the prober ticks every second. Returns what each request got and A's calls
 * at the moments that matter.
 */
async function run(outageSeconds: number, endSeconds: number) {
  const start = clock.now();
  const served: Served[] = [];
  let callsToAAtEjection: number | undefined;
  let callsToAAtRecovery = 0;
  stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 503 } });
  for (let second = 0; second <= endSeconds; second += 1) {
    if (second === outageSeconds) {
      callsToAAtRecovery = upstreamCallsTo(stack, 'a');
      stack.sim.clearFaults();
    }
    if (second % 4 === 0) {
      const { data, response } = await client.chat.completions
        .create({ model: 'primary', messages: [{ role: 'user', content: `echo: request at ${second}` }] })
        .withResponse();
      served.push({
        at: second,
        model: response.headers.get('x-detour-model'),
        text: data.choices[0]?.message.content ?? '',
      });
    }
    if (callsToAAtEjection === undefined && stack.detour.state.health.status('a/up-primary').state === 'open')
      callsToAAtEjection = upstreamCallsTo(stack, 'a');
    await stack.detour.prober.tick();
    clock.advance(1_000);
  }
  expect(clock.now() - start).toBe((endSeconds + 1) * 1_000);
  return { served, callsToAAtEjection: callsToAAtEjection ?? -1, callsToAAtRecovery };
}

describe('25: a recovered only deployment comes back fast', () => {
  it('60 s of 503: the fallback serves meanwhile, A gets 5 calls to eject it and at most 5 trials and checks, and serves again within 30 s', async () => {
    const { served, callsToAAtEjection, callsToAAtRecovery } = await run(60, 120);

    // Every client request was answered, with its own text, by the fallback while A was down.
    expect(served).toHaveLength(31);
    for (const answer of served) expect(answer.text).toBe(`request at ${answer.at}`);
    const duringOutage = served.filter((answer) => answer.at < 60);
    expect(duringOutage.map((answer) => answer.model)).toEqual(Array(15).fill('fallback'));

    // A handful of calls reached A during the 60 s: the 5 consecutive failures that eject it (the
    // first 3 requests, an only deployment being retried once per request), then only health
    // checks and trials, about one per 10 s, instead of 2 calls for each of the 15 requests.
    expect(callsToAAtEjection).toBe(5);
    expect(callsToAAtRecovery - callsToAAtEjection).toBeGreaterThan(0);
    expect(callsToAAtRecovery - callsToAAtEjection).toBeLessThanOrEqual(5);
    expect(callsToAAtRecovery).toBeLessThanOrEqual(10);

    // A serves again within 30 s of recovering, and from then on serves every request.
    const firstFromA = served.findIndex((answer) => answer.model === 'primary');
    expect(firstFromA).toBeGreaterThan(-1);
    expect(served[firstFromA]?.at).toBeGreaterThanOrEqual(60);
    expect(served[firstFromA]?.at).toBeLessThanOrEqual(60 + 30);
    expect(served.slice(firstFromA).every((answer) => answer.model === 'primary')).toBe(true);
    expect(stack.detour.state.health.status('a/up-primary').state).toBe('closed');
  });

  it('recovering just after a failed health check still serves again within 30 s', async () => {
    // The checks during the ejection fall on whole 10 s from its start; 65 s is half an interval
    // past one, so the next check is the first to find A healthy.
    const { served } = await run(65, 120);
    expect(served.every((answer, index) => answer.text === `request at ${index * 4}`)).toBe(true);
    expect(served.filter((answer) => answer.at < 65).every((answer) => answer.model === 'fallback')).toBe(
      true,
    );
    const firstFromA = served.find((answer) => answer.model === 'primary');
    expect(firstFromA?.at).toBeGreaterThanOrEqual(65);
    expect(firstFromA?.at).toBeLessThanOrEqual(65 + 30);
    expect(served.filter((answer) => answer.at > 95).every((answer) => answer.model === 'primary')).toBe(
      true,
    );
  });
});
