import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The retry budget on its own. Scenario 12 also checks attempts per request, but there both hosts
// get ejected and the panic throttle sheds most requests, so it passes even without a budget. Here
// the ejection and demotion thresholds are out of reach: every request would fail over, and only
// the budget can stop it.

const REQUESTS = 30;
const RATIO = 0.1;

function config(simUrl: string): string {
  return `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  m: { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
timeouts: { connect: 1s, firstToken: 15s, idle: 15s, total: 20s }
retry: { budgetRatio: ${RATIO}, budgetMinConcurrent: 1 }
health:
  ejection: { consecutiveFailures: 100000, minRequests: 100000 }
  demotion: { minRequests: 100000 }
  probes: { enabled: false }
`;
}

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({ config });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  // Thirty requests at once leave the client's pool with spare connections that never carried a
  // request; Node does not count those as idle, so they would hold the close for the client's
  // keep-alive timeout. Every request is over by now.
  stack.detour.app.server.closeAllConnections();
  await stack.close();
});

function calls(host: string): number {
  return upstreamCallsTo(stack, host);
}

describe('retry budget without the panic throttle', () => {
  it('caps failovers at the budget while every request would fail over', async () => {
    // A fails at once; B holds every failover it gets, so a budget slot, once taken, stays taken
    // and the count of failovers does not depend on how the requests interleave.
    stack.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 } });
    stack.sim.setFault({ host: 'b', fault: { type: 'silence' } });
    const controllers = Array.from({ length: REQUESTS }, () => new AbortController());
    let settled = 0;
    const statuses = controllers.map((controller) =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal })
        .then(
          () => 200,
          // -1: aborted by the test below (still held at B).
          (error: unknown) =>
            error instanceof OpenAI.APIUserAbortError
              ? -1
              : error instanceof OpenAI.APIError
                ? (error.status ?? 0)
                : 0,
        )
        .finally(() => {
          settled += 1;
        }),
    );
    // Every request has either been refused a failover (and answered) or is held at B.
    await vi.waitFor(
      () => {
        expect(calls('a')).toBe(REQUESTS);
        expect(settled + calls('b')).toBe(REQUESTS);
      },
      { timeout: 10_000, interval: 20 },
    );
    const failovers = calls('b');
    for (const controller of controllers) controller.abort();
    const answered = (await Promise.all(statuses)).filter((status) => status !== -1);

    // Envoy's rule: failovers in flight ≤ max(minConcurrent, ratio × requests).
    expect(failovers).toBeGreaterThanOrEqual(1);
    expect(failovers).toBeLessThanOrEqual(Math.max(1, RATIO * REQUESTS));
    expect((calls('a') + calls('b')) / REQUESTS).toBeLessThanOrEqual(1 + RATIO);
    // Those refused a failover got the first host's failure at once.
    expect(answered).toHaveLength(REQUESTS - failovers);
    expect(answered.every((status) => status === 502)).toBe(true);
    // Nothing was ejected, so this was the budget's doing, not panic mode's.
    expect(stack.detour.state.health.status('a/up-m').state).toBe('closed');
    const metrics = await fetch(`${stack.detour.url}/metrics`).then((response) => response.text());
    expect(metrics).toContain(`detour_retry_budget_exhausted_total{model="m"} ${REQUESTS - failovers}`);
  });
});
