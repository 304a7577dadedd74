import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetHealth, type Stack, startStack } from './support/start-stack.js';

// Streams that break after content (DESIGN.md section 6; SCENARIOS.md 19–22): with
// `streams.recovery: continue` the client reads one whole answer, assembled by the official SDKs.
// Host b takes no prefill, so it replays the request and continues only if its answer begins with
// exactly the text the client already has.

const WORDS = Array.from({ length: 60 }, (_, index) => `w${index + 1}`);
const ANSWER = WORDS.join(' ');
const PROMPT = `echo: ${ANSWER}`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: key-ant }
  v: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/v/v1, apiKey: key-v, prefill: vllm }
models:
  m:
    deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ]
    streams: { recovery: continue }
  plain:
    deployments: [ { provider: a, model: up-plain }, { provider: b, model: up-plain } ]
  pm:
    deployments: [ { provider: a, model: up-pm }, { provider: ant, model: claude-pm } ]
    streams: { recovery: continue }
  vm:
    deployments: [ { provider: ant, model: claude-vm }, { provider: v, model: up-vm } ]
    streams: { recovery: continue }
timeouts: { connect: 1s, firstToken: 2s, idle: 1s, total: 20s }
`,
    sim: { timeToFirstTokenMs: 0, tokenIntervalMs: 2 },
  });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
  resetHealth(stack);
});

function openai(): OpenAI {
  return new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0 });
}

/** Streams through the OpenAI SDK; the text assembled, and the error that ended it, if any. */
async function streamOpenai(model: string, extra: Record<string, unknown> = {}) {
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null | undefined;
  let error: unknown;
  try {
    const stream = await openai().chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: PROMPT }],
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (caught) {
    error = caught;
  }
  return { text, usage, finish, error };
}

/** How many words a stream cut by the simulator delivered: a word-aligned start of the answer. */
function wordsOf(text: string): number {
  expect(ANSWER.startsWith(text)).toBe(true);
  expect(text === '' || ANSWER[text.length] === ' ' || text.length === ANSWER.length).toBe(true);
  return text === '' ? 0 : text.split(' ').length;
}

function callsTo(host: string) {
  return stack.sim.stats().hosts[host]?.recent ?? [];
}

describe('streams.recovery: continue, by replay on a host without prefill (scenario 21)', () => {
  it('gives an OpenAI client one whole answer when a breaks after 40 of 60 words', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    const { text, usage, finish, error } = await streamOpenai('m');
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    expect(finish).toBe('stop');
    // Usage adds up: a's words (cut before it reported, so counted per chunk) and b's whole replay.
    await stack.detour.requestLog?.flush();
    const row = (await stack.detour.status.store.listRequestLogs({ limit: 1 })).rows[0];
    const fromA = wordsOf(ANSWER.slice(0, row?.attempts[1]?.continuedAt));
    expect(fromA).toBeGreaterThanOrEqual(35);
    expect(usage?.completion_tokens).toBe(fromA + 60);
    expect(callsTo('a')).toHaveLength(1);
    const replay = callsTo('b');
    expect(replay).toHaveLength(1);
    // No prefill: the original conversation, ending with the user's message.
    const messages = (replay[0]?.body as { messages?: Array<{ role: string }> } | undefined)?.messages ?? [];
    expect(messages.at(-1)?.role).toBe('user');
    // The break counts against a.
    const a = stack.detour.state.health.snapshot().find((deployment) => deployment.id === 'a/up-m');
    expect(a?.windows.oneMinute.failures).toBe(1);
  });

  it('gives an Anthropic client one whole answer across protocols', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 25 }, times: 1 });
    const anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'unused', maxRetries: 0 });
    const message = await anthropic.messages
      .stream({ model: 'm', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }] })
      .finalMessage();
    const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    expect(text).toBe(ANSWER);
    expect(message.content).toHaveLength(1);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThanOrEqual(20 + 60);
    expect(message.usage.output_tokens).toBeLessThanOrEqual(25 + 60);
  });

  it('continues a stream that stalls after 20 words once the idle limit passes (scenario 20)', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'stall', afterChunks: 20 }, times: 1 });
    const { text, error, finish } = await streamOpenai('m');
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    expect(finish).toBe('stop');
    await stack.detour.requestLog?.flush();
    const row = (await stack.detour.status.store.listRequestLogs({ limit: 1 })).rows[0];
    expect(row?.attempts.map((attempt) => [attempt.deployment, attempt.outcome])).toEqual([
      ['a/up-m', 'timeout'],
      ['b/up-m', 'success'],
    ]);
  });

  it('ends with the clean error, and splices nothing, when the replay begins differently', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    stack.sim.setFault({ host: 'b', fault: { type: 'wrong_answer' } });
    const { text, error } = await streamOpenai('m');
    expect(wordsOf(text)).toBeGreaterThanOrEqual(35);
    expect(wordsOf(text)).toBeLessThan(60);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(callsTo('b')).toHaveLength(1);
  });

  it('with recovery: error (the default), ends with the clean error and never calls b', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    const { text, error } = await streamOpenai('plain');
    expect(wordsOf(text)).toBeGreaterThanOrEqual(35);
    expect(wordsOf(text)).toBeLessThan(60);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(callsTo('b')).toHaveLength(0);
  });

  it('records both attempts and the seam in the request log', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    await streamOpenai('m');
    await stack.detour.requestLog?.flush();
    const page = await stack.detour.status.store.listRequestLogs({ limit: 1 });
    const row = page.rows[0];
    expect(row?.outcome).toBe('success');
    expect(row?.attempts.map((attempt) => [attempt.deployment, attempt.outcome])).toEqual([
      ['a/up-m', 'transport'],
      ['b/up-m', 'success'],
    ]);
    const seam = row?.attempts[1]?.continuedAt ?? 0;
    const fromA = wordsOf(ANSWER.slice(0, seam));
    expect(fromA).toBeGreaterThanOrEqual(35);
    expect(row?.tokens.output).toBe(fromA + 60);
  });
});

describe('a break that no prefill can resume (scenario 22)', () => {
  it('ends a tool call cut midway with the clean error and no continuation', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 2 }, times: 1 });
    const { error } = await streamOpenai('m', {
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            parameters: {
              type: 'object',
              properties: { query: { type: 'string' }, page: { type: 'integer' } },
              required: ['query', 'page'],
            },
          },
        },
      ],
    });
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(callsTo('b')).toHaveLength(0);
  });
});

describe('streams.recovery: continue, by prefill (scenarios 19 and 21)', () => {
  it("continues an OpenAI client's stream on an Anthropic host from a prefill of the text so far", async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    const { text, usage, finish, error } = await streamOpenai('pm');
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    expect(finish).toBe('stop');
    const calls = callsTo('ant');
    expect(calls).toHaveLength(1);
    const messages = (calls[0]?.body as { messages?: Array<{ role: string; content: unknown }> } | undefined)
      ?.messages;
    // A's 40 words, without the trailing whitespace Anthropic refuses, as the trailing assistant message.
    expect(messages?.at(-1)).toMatchObject({ role: 'assistant' });
    expect(JSON.stringify(messages?.at(-1)?.content)).toContain(WORDS.slice(0, 40).join(' '));
    // B wrote only the last 20 words; usage adds both attempts' output.
    expect(usage?.completion_tokens).toBe(40 + 20);
  });

  it('asks a host that refuses the prefill again without one, and never shows the refusal', async () => {
    stack.sim.setFault({ host: 'a', fault: { type: 'reset_mid_body', afterChunks: 40 }, times: 1 });
    stack.sim.setFault({ host: 'ant', fault: { type: 'reject_prefill' } });
    const { text, error } = await streamOpenai('pm');
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    const calls = callsTo('ant');
    expect(calls).toHaveLength(2);
    const lastRole = (call: (typeof calls)[number] | undefined) =>
      (call?.body as { messages?: Array<{ role: string }> } | undefined)?.messages?.at(-1)?.role;
    expect(lastRole(calls[0])).toBe('assistant');
    expect(lastRole(calls[1])).toBe('user');
  });

  it("continues an Anthropic client's stream on a vLLM server with continue_final_message", async () => {
    stack.sim.setFault({ host: 'ant', fault: { type: 'reset_mid_body', afterChunks: 30 }, times: 1 });
    const anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'unused', maxRetries: 0 });
    const message = await anthropic.messages
      .stream({ model: 'vm', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }] })
      .finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: ANSWER })]);
    expect(message.stop_reason).toBe('end_turn');
    const calls = callsTo('v');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ continue_final_message: true, add_generation_prompt: false });
    expect(message.usage.output_tokens).toBe(30 + 30);
  });
});
