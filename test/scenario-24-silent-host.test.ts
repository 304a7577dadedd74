import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimFault } from '../src/sim/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { resetHealth, type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// SCENARIOS.md 24: "A holds the connection silent for 15 s, then closes it → counted as a silent
// host: no same-host retry, even when A is the model's only deployment; the fallback answers."
//
// Both forms of silence (DESIGN.md section 6), through the vendors' own SDKs, streamed and not:
// - held past the first-token limit (the `quick` model's 300 ms, a real timer);
// - held for the scenario's 15 s and then closed, inside the default 20 s limit (the `solo` model).
//   The simulator's wait moves Detour's clock forward instead of sleeping, so the 15 s are 15 s to
//   Detour and cost no real time.
// And the contrast: a connection reset at once is an ordinary transport failure, retried once on
// the same host as before.

const clock = new OffsetClock();
let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/a, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  solo:  { deployments: [ { provider: a, model: up-solo } ], fallbacks: [backup] }
  quick:
    deployments: [ { provider: a, model: up-quick } ]
    fallbacks: [backup]
    timeouts: { firstToken: 300ms }
  backup: { deployments: [ { provider: b, model: up-backup } ] }
retry: { backoffBase: 20ms, backoffMax: 100ms }
`,
    sim: {
      wait: async (ms) => {
        clock.advance(ms);
      },
    },
    detour: { clock, random: seededRandom(24) },
  });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack, clock);
});

type Sdk = 'openai' | 'anthropic';

interface Answer {
  text: string;
  /** `x-detour-model`: the model that answered. */
  model: string | null;
  deployment: string | null;
}

/** One request through an official SDK, streamed or not; the text it assembled and who answered. */
async function ask(sdk: Sdk, model: string, stream: boolean, prompt: string): Promise<Answer> {
  const messages = [{ role: 'user' as const, content: prompt }];
  if (sdk === 'openai') {
    if (stream) {
      const { data, response } = await openai.chat.completions
        .create({ model, messages, stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      return answerOf(text, response);
    }
    const { data, response } = await openai.chat.completions.create({ model, messages }).withResponse();
    return answerOf(data.choices[0]?.message.content ?? '', response);
  }
  if (stream) {
    const { data, response } = await anthropic.messages
      .create({ model, messages, max_tokens: 64, stream: true })
      .withResponse();
    let text = '';
    for await (const event of data) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    return answerOf(text, response);
  }
  const { data, response } = await anthropic.messages
    .create({ model, messages, max_tokens: 64 })
    .withResponse();
  const text = data.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return answerOf(text, response);
}

function answerOf(text: string, response: Response): Answer {
  return {
    text,
    model: response.headers.get('x-detour-model'),
    deployment: response.headers.get('x-detour-deployment'),
  };
}

function health(deploymentId: string) {
  const window = stack.detour.state.health.window(deploymentId);
  return {
    // Five minutes: each silent request moves the clock 15 s.
    byResult: window.read(300_000).byResult,
    consecutiveFailures: window.consecutiveFailures,
    state: stack.detour.state.health.status(deploymentId).state,
  };
}

const cases: Array<[Sdk, boolean]> = [
  ['openai', false],
  ['openai', true],
  ['anthropic', false],
  ['anthropic', true],
];

describe('24: a silent host on a model with no other deployment', () => {
  const silentThenClosed: SimFault = { type: 'silence', closeAfterMs: 15_000 };

  it.each(cases)(
    '%s (stream: %s): silent for 15 s, then closed → one call to A, the fallback answers',
    async (sdk, stream) => {
      stack.sim.setFault({ host: 'a', fault: silentThenClosed });
      const answer = await ask(sdk, 'solo', stream, 'echo: the fallback answers');
      expect(answer).toEqual({ text: 'the fallback answers', model: 'backup', deployment: 'b/up-backup' });
      expect(upstreamCallsTo(stack, 'a')).toBe(1);
      expect(upstreamCallsTo(stack, 'b')).toBe(1);
      // The simulator closed the connection; Detour did not hang up first.
      expect(stack.sim.stats().hosts.a?.aborted).toBe(0);
      // One host failure of the transport class: counted, not yet enough to eject.
      expect(health('a/up-solo')).toEqual({
        byResult: { transport: 1 },
        consecutiveFailures: 1,
        state: 'closed',
      });
      expect(health('b/up-backup')).toMatchObject({ byResult: { success: 1 }, consecutiveFailures: 0 });
    },
  );

  it.each(cases)(
    '%s (stream: %s): silent past the 300 ms first-token limit → one call to A, the fallback answers',
    async (sdk, stream) => {
      stack.sim.setFault({ host: 'a', fault: { type: 'silence' } });
      const answer = await ask(sdk, 'quick', stream, 'echo: past the limit');
      expect(answer).toEqual({ text: 'past the limit', model: 'backup', deployment: 'b/up-backup' });
      expect(upstreamCallsTo(stack, 'a')).toBe(1);
      expect(upstreamCallsTo(stack, 'b')).toBe(1);
      // Detour gave up on A: the host saw its caller hang up.
      expect(stack.sim.stats().hosts.a?.aborted).toBe(1);
      expect(health('a/up-quick')).toEqual({
        byResult: { timeout: 1 },
        consecutiveFailures: 1,
        state: 'closed',
      });
    },
  );

  it.each(cases)(
    '%s (stream: %s): a connection reset at once is retried on A, which answers',
    async (sdk, stream) => {
      stack.sim.setFault({ host: 'a', fault: { type: 'reset_before_headers' }, times: 1 });
      const answer = await ask(sdk, 'solo', stream, 'echo: retried on a');
      expect(answer).toEqual({ text: 'retried on a', model: 'solo', deployment: 'a/up-solo' });
      expect(upstreamCallsTo(stack, 'a')).toBe(2);
      expect(upstreamCallsTo(stack, 'b')).toBe(0);
      expect(health('a/up-solo')).toEqual({
        byResult: { transport: 1, success: 1 },
        consecutiveFailures: 0,
        state: 'closed',
      });
    },
  );

  it('a host that stays silent and closes every time is ejected after 5 requests, one call each', async () => {
    stack.sim.setFault({ host: 'a', fault: silentThenClosed });
    for (let index = 0; index < 6; index += 1) {
      expect((await ask('openai', 'solo', index % 2 === 1, 'echo: again')).model).toBe('backup');
    }
    expect(upstreamCallsTo(stack, 'a')).toBe(5);
    expect(upstreamCallsTo(stack, 'b')).toBe(6);
    expect(health('a/up-solo')).toMatchObject({ byResult: { transport: 5 }, state: 'open' });
  });
});
