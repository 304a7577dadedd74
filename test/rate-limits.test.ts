import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from './support/client-keys.js';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// Per-key requests and tokens per minute: a burst of 2× the limit gets exactly the excess refused,
// with OpenAI's x-ratelimit-* headers on every answer, and the limit comes back on schedule (the
// clock is injected, so "on schedule" is exact, not slept for).

const ADMIN_KEY = 'admin-key-for-rate-limits';
const clock = new OffsetClock();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: key-ant }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
  claude-x: { deployments: [ { provider: ant, model: claude-x } ] }
auth: { mode: keys }
`,
    detour: { clock },
  });
});

afterAll(async () => {
  await stack.close();
});

async function chat(secret: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: hi' }], ...body }),
  });
  const answer = (await response.json()) as {
    usage: { prompt_tokens: number; completion_tokens: number };
    error: { message: string };
  };
  return { status: response.status, headers: response.headers, body: answer };
}

describe('requests per minute', () => {
  it('admits exactly the limit of a 2× burst, refuses the rest with headers, and recovers on schedule', async () => {
    const { secret } = await createKey(stack.detour, ADMIN_KEY, { name: 'burst', rpm: 6 });
    stack.sim.resetStats();
    const answers = [];
    for (let index = 0; index < 12; index += 1) answers.push(await chat(secret));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    expect(answers.map((answer) => answer.headers.get('x-ratelimit-remaining-requests'))).toEqual([
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
    ]);
    for (const answer of answers) expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('6');
    const refused = answers[6];
    expect(refused?.body).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    // One request comes back every 10 s (60 s / 6): the first refusal waits at most that.
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(refused?.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?[\d.]+s$/);
    expect(upstreamCallsTo(stack, 'a')).toBe(6);

    clock.advance(10_000);
    expect((await chat(secret)).status).toBe(200);
    expect((await chat(secret)).status).toBe(429);
    clock.advance(60_000);
    const recovered = [];
    for (let index = 0; index < 7; index += 1) recovered.push((await chat(secret)).status);
    expect(recovered).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });

  it('admits exactly the limit of a concurrent 2× burst', async () => {
    const { secret } = await createKey(stack.detour, ADMIN_KEY, { name: 'concurrent', rpm: 10 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => chat(secret)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(10);
    const remaining = answers
      .filter((answer) => answer.status === 200)
      .map((answer) => Number(answer.headers.get('x-ratelimit-remaining-requests')))
      .sort((left, right) => left - right);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses over the limit in each SDK with its rate-limit error and retry-after', async () => {
    const { secret } = await createKey(stack.detour, ADMIN_KEY, { name: 'sdk', rpm: 1 });
    const openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: secret, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const error = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toMatch(
      /^\d+$/,
    );
    const anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: secret, maxRetries: 0 });
    const refused = await anthropic.messages
      .create({ model: 'claude-x', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
  });

  it('puts the headers on streams too', async () => {
    const { secret } = await createKey(stack.detour, ADMIN_KEY, { name: 'stream', rpm: 3, tpm: 10_000 });
    const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'echo: hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
    await response.text();
  });
});

describe('tokens per minute', () => {
  it('takes the estimate up front, corrects it by the answer, and refuses what does not fit', async () => {
    const { secret } = await createKey(stack.detour, ADMIN_KEY, { name: 'tokens', tpm: 1_000 });
    // max_tokens counts in full up front; the answer uses far fewer, which go back after it.
    const first = await chat(secret, { max_tokens: 600 });
    expect(first.status).toBe(200);
    const used = first.body.usage.prompt_tokens + first.body.usage.completion_tokens;
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(400);
    const second = await chat(secret, { max_tokens: 600 });
    // Only possible because the first request's unused 600-odd tokens were given back.
    expect(second.status).toBe(200);
    expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThanOrEqual(
      1_000 - used - 600 - 50,
    );
    // Larger than a whole minute's tokens: never admitted, so no retry-after to wait for.
    const tooLarge = await chat(secret, { max_tokens: 5_000 });
    expect(tooLarge.status).toBe(429);
    expect(tooLarge.headers.get('retry-after')).toBeNull();
    expect(tooLarge.body.error.message).toContain('1000 tokens per minute');
  });
});
