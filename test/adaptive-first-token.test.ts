import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// The adaptive first-token limit end to end: a host learns its own time to first token from real
// streams, then goes slow. With a fallback, its streams are abandoned at max(floor, 4 × its p99)
// instead of the model's 20 s limit; with nowhere else to go, it keeps the whole limit.
//
// Real time on both sides (the limit is a real timer and the learned p99 real latencies), yet no
// duration is asserted: the slowed host takes 5 s to its first token, well inside the configured
// 20 s, so who answered and whether Detour hung up on A say which limit applied. The floor (250 ms)
// is far above a local stream's time to first token and far below 5 s, so a loaded machine moves
// neither side of the comparison.

const clock = new OffsetClock();
let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  m:    { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ] }
  only: { deployments: [ { provider: a, model: up-m } ] }
timeouts:
  firstToken: 20s
  adaptiveFirstToken: { multiplier: 4, floor: 250ms, minSamples: 20 }
`,
    detour: { clock },
  });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

async function stream(model: string, text: string): Promise<{ text: string; deployment: string | null }> {
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content: `echo: ${text}` }], stream: true })
    .withResponse();
  let collected = '';
  for await (const chunk of data) collected += chunk.choices[0]?.delta.content ?? '';
  return { text: collected, deployment: response.headers.get('x-detour-deployment') };
}

describe('adaptive first-token limit', () => {
  it('abandons a host gone slow at its learned limit while the other deployment answers; keeps the full limit when alone', async () => {
    // Twenty quick streams: A's baseline.
    for (let index = 0; index < 20; index += 1)
      expect((await stream('m', 'learning')).deployment).toBe('a/up-m');
    // The baseline is read afresh once a second: step into the next one rather than wait for it.
    clock.advance(1_000);
    const baseline = stack.detour.state.health.firstTokenBaseline('a/up-m');
    expect(baseline?.samples).toBe(20);

    // A goes slow: 5 s to its first token, inside the configured 20 s.
    stack.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 5_000 } });
    stack.sim.resetStats();
    const answer = await stream('m', 'from b');
    expect(answer).toEqual({ text: 'from b', deployment: 'b/up-m' });
    expect(upstreamCallsTo(stack, 'a')).toBe(1);
    expect(upstreamCallsTo(stack, 'b')).toBe(1);
    // Detour hung up on A before its first token, and counted a timeout, not a success.
    expect(stack.sim.stats().hosts.a?.aborted).toBe(1);
    expect(stack.detour.state.health.window('a/up-m').read(60_000).byResult).toMatchObject({
      success: 20,
      timeout: 1,
    });

    // The same slow host with no other candidate: waited out, as a slow answer beats none.
    stack.sim.clearFaults();
    stack.sim.setFault({ host: 'a', fault: { type: 'time_to_first_token', ms: 1_000 } });
    stack.sim.resetStats();
    expect(await stream('only', 'slow but whole')).toEqual({ text: 'slow but whole', deployment: 'a/up-m' });
    expect(upstreamCallsTo(stack, 'a')).toBe(1);
    expect(stack.sim.stats().hosts.a?.aborted).toBe(0);
  });
});
