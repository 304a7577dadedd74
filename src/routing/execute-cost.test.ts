import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeCost } from '../catalog/index.js';
import { type ChatRequest, ManualClock } from '../core/index.js';
import { MemoryHealthStore } from '../health/index.js';
import { codecFor } from '../protocols/index.js';
import { createProvider, type StreamChunk, UpstreamTransport } from '../providers/index.js';
import { type Simulator, startSimulator } from '../sim/index.js';
import { type ExecuteOptions, executeNonStream, executeStream } from './execute.js';
import type { Deployment } from './model-table.js';
import { RoutingState } from './routing-state.js';

// What a request costs, against the real simulator: only the answering attempt is charged, and a
// stream cut after content is charged for what was streamed.

const PRICE = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };

let sim: Simulator;
let transport: UpstreamTransport;
let clock: ManualClock;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 1, wait: async (ms) => clock.advance(ms) });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  clock = new ManualClock();
});

function anthropic(host: string): Deployment {
  return {
    modelName: 'm',
    provider: createProvider(host, { protocol: 'anthropic-messages', baseUrl: `${sim.url}/hosts/${host}` }),
    deploymentId: `${host}/up-m`,
    upstreamModel: 'up-m',
    timeouts: { firstTokenMs: 10_000, idleMs: 10_000 },
    price: PRICE,
  };
}

function input(stream: boolean) {
  const request: ChatRequest = {
    model: 'm',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'echo: one two three four five six seven eight' }] },
    ],
    stream,
    maxTokens: 100,
    metadata: {},
    vendorOptions: {},
  };
  return {
    request,
    clientProtocol: 'anthropic-messages' as const,
    rawBody: codecFor('anthropic-messages').encodeRequest(request, 'm'),
    clientHeaders: {},
    signal: new AbortController().signal,
    transport,
    clock,
  };
}

function options(): ExecuteOptions {
  const health = new MemoryHealthStore({ clock });
  return {
    state: new RoutingState({ health, clock, random: () => 0.5 }),
    policy: { maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
  };
}

describe('Served.cost', () => {
  it('charges a complete answer its usage at the deployment price', async () => {
    const served = await executeNonStream(
      [{ model: 'm', deployments: [anthropic('c1')] }],
      input(false),
      options(),
    );
    const usage = served.result.usage;
    expect(usage?.outputTokens).toBeGreaterThan(0);
    expect(served.cost).toEqual({ usd: computeCost(usage!, PRICE), usage, estimated: false });
  });

  it('charges a stream that finished its reported usage, once its rest has ended', async () => {
    const served = await executeStream(
      [{ model: 'm', deployments: [anthropic('c2')] }],
      input(true),
      options(),
    );
    expect(served.cost).toBeUndefined();
    for await (const _chunk of served.result.rest) {
      // drain
    }
    expect(served.cost?.estimated).toBe(false);
    expect(served.cost?.usage.inputTokens).toBeGreaterThan(0);
    expect(served.cost?.usage.outputTokens).toBe(8);
    expect(served.cost?.usd).toBe(computeCost(served.cost!.usage, PRICE));
  });

  it('charges a stream cut after content for the input and the content chunks relayed', async () => {
    sim.setFault({ host: 'c3', fault: { type: 'stream_error', afterChunks: 4 }, times: 1 });
    const served = await executeStream(
      [{ model: 'm', deployments: [anthropic('c3')] }],
      input(true),
      options(),
    );
    const chunks: StreamChunk[] = [...served.result.head];
    await expect(
      (async () => {
        for await (const chunk of served.result.rest) chunks.push(chunk);
      })(),
    ).rejects.toThrow();
    const relayed = chunks.filter((chunk) => chunk.content).length;
    expect(relayed).toBeGreaterThan(0);
    expect(relayed).toBeLessThan(8);
    const cost = served.cost;
    expect(cost?.estimated).toBe(true);
    expect(cost?.usage.outputTokens).toBe(relayed);
    expect(cost?.usage.inputTokens).toBeGreaterThan(0);
    expect(cost?.usd).toBe(computeCost(cost!.usage, PRICE));
  });

  it('has no cost without a price', async () => {
    const { price: _price, ...unpriced } = anthropic('c4');
    const served = await executeNonStream([{ model: 'm', deployments: [unpriced] }], input(false), options());
    expect(served.cost).toBeUndefined();
  });
});
