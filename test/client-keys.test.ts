import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { admin, type CreatedKey, createKey } from './support/client-keys.js';
import { type Stack, startStack, upstreamCallsTo } from './support/start-stack.js';

// SCENARIOS.md "Bad keys and abuse", on both surfaces with the vendors' SDKs as clients: each
// refused in the client's format, nothing counted against anyone else, no key echoed.

const ADMIN_KEY = 'admin-key-for-client-keys';
const logLines: string[] = [];
let stack: Stack;
let good: CreatedKey;
let scoped: CreatedKey;

beforeAll(async () => {
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: key-ant-secret }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
  claude-x: { deployments: [ { provider: ant, model: claude-x } ] }
  other: { deployments: [ { provider: a, model: up-other } ] }
  priced: { deployments: [ { provider: a, model: up-priced, price: { input: 1000, output: 2000 } } ] }
  claude-priced: { deployments: [ { provider: ant, model: claude-p, price: { input: 1000, output: 2000 } } ] }
`,
    detour: { logger: { level: 'info', stream: logStream } },
  });
  good = await createKey(stack.detour, ADMIN_KEY, { name: 'good' });
  scoped = await createKey(stack.detour, ADMIN_KEY, { name: 'scoped', models: ['claude-*', 'm'] });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.resetStats();
});

function openai(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey, maxRetries: 0 });
}

function anthropic(apiKey: string): Anthropic {
  return new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey, maxRetries: 0 });
}

async function openaiError(apiKey: string, model = 'm'): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await openai(apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

async function anthropicError(
  apiKey: string,
  model = 'claude-x',
): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await anthropic(apiKey).messages.create({
      model,
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
  } catch (error) {
    if (error instanceof Anthropic.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

async function post(path: string, headers: Record<string, string>, body: unknown) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const OPENAI_BODY = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const ANTHROPIC_BODY = { model: 'claude-x', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

describe('client keys on the request path', () => {
  it('answers a valid key on both surfaces, as Bearer and as x-api-key', async () => {
    const chat = await openai(good.secret).chat.completions.create(OPENAI_BODY as never);
    expect(chat.choices[0]?.message.content).toBeTruthy();
    const message = await anthropic(good.secret).messages.create(ANTHROPIC_BODY as never);
    expect(message.content[0]?.type).toBe('text');
    // Each SDK's own header, and the other one's, both work.
    expect((await post('/v1/chat/completions', { 'x-api-key': good.secret }, OPENAI_BODY)).status).toBe(200);
    expect(
      (await post('/v1/messages', { authorization: `Bearer ${good.secret}` }, ANTHROPIC_BODY)).status,
    ).toBe(200);
    // The client's key stays at Detour: each host got the provider's own credentials.
    const seen = Object.values(stack.sim.stats().hosts).flatMap((host) => host.recent);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(seen)).not.toContain(good.secret);
    expect(JSON.stringify(seen)).toContain('key-a-secret');
  });

  it('refuses a request without a key: 401 in each surface format, and nothing reaches a host', async () => {
    const openaiAnswer = await post('/v1/chat/completions', {}, OPENAI_BODY);
    expect(openaiAnswer.status).toBe(401);
    expect(JSON.parse(openaiAnswer.text)).toMatchObject({
      error: {
        type: 'authentication_error',
        code: 'invalid_api_key',
        message: expect.stringContaining('missing API key'),
      },
    });
    const anthropicAnswer = await post('/v1/messages', {}, ANTHROPIC_BODY);
    expect(anthropicAnswer.status).toBe(401);
    expect(JSON.parse(anthropicAnswer.text)).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    expect(upstreamCallsTo(stack, 'a') + upstreamCallsTo(stack, 'ant')).toBe(0);
  });

  it('refuses an unknown, a wrong and a malformed key alike, without echoing any of them', async () => {
    const tries = [
      'dtr_unknownunknownunknownunknownunknownunkno',
      `${good.secret.slice(0, -1)}${good.secret.endsWith('a') ? 'b' : 'a'}`,
      'sk-not-even-ours',
    ];
    const openaiBodies = new Set<string>();
    for (const secret of tries) {
      const error = await openaiError(secret);
      expect(error.status).toBe(401);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(JSON.stringify(error.error)).not.toContain(secret);
      expect(JSON.stringify(error.error)).not.toContain(secret.slice(4, 12));
      openaiBodies.add(JSON.stringify(error.error));
      const refused = await anthropicError(secret);
      expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(JSON.stringify(refused.error)).not.toContain(secret);
    }
    // Unknown and wrong keys take the same path: one answer for all three.
    expect(openaiBodies.size).toBe(1);
    expect(upstreamCallsTo(stack, 'a') + upstreamCallsTo(stack, 'ant')).toBe(0);
  });

  it('refuses a revoked key at once, on both surfaces', async () => {
    const doomed = await createKey(stack.detour, ADMIN_KEY, { name: 'doomed' });
    // Used once, so the key sits in the directory's cache when it is revoked.
    await openai(doomed.secret).chat.completions.create(OPENAI_BODY as never);
    const revoked = await admin(stack.detour, ADMIN_KEY, 'POST', `/admin/keys/${doomed.key.id}/revoke`);
    expect(revoked.body).toMatchObject({ key: { status: 'revoked' } });
    const error = await openaiError(doomed.secret);
    expect(error.status).toBe(401);
    expect(error.message).toContain('revoked');
    expect((await anthropicError(doomed.secret)).status).toBe(401);
  });

  it('refuses an expired key', async () => {
    const expired = await createKey(stack.detour, ADMIN_KEY, {
      name: 'expired',
      expiresAt: Date.now() - 1_000,
    });
    const error = await openaiError(expired.secret);
    expect(error.status).toBe(401);
    expect(error.message).toContain('expired');
    expect((await anthropicError(expired.secret)).status).toBe(401);
  });

  it('refuses a model outside the key scope with 403, lists only its models, and serves those in scope', async () => {
    const error = await openaiError(scoped.secret, 'other');
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.status).toBe(403);
    expect(error.message).toContain("'other'");
    const refused = await anthropicError(scoped.secret, 'other');
    expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(upstreamCallsTo(stack, 'a')).toBe(0);
    await expect(anthropic(scoped.secret).messages.create(ANTHROPIC_BODY as never)).resolves.toMatchObject({
      type: 'message',
    });
    const models = await openai(scoped.secret).models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(['claude-priced', 'claude-x', 'm']);
    const counted = await post(
      '/v1/messages/count_tokens',
      { 'x-api-key': scoped.secret, 'anthropic-version': '2023-06-01' },
      { model: 'other', messages: [{ role: 'user', content: 'hi' }] },
    );
    expect(counted.status).toBe(403);
  });

  it("refuses a request its budget cannot cover: 429 insufficient_quota in OpenAI terms, a rate-limit error in Anthropic's", async () => {
    const poor = await createKey(stack.detour, ADMIN_KEY, {
      name: 'poor',
      budget: { usd: 0.01, period: 'day' },
    });
    const error = await openaiError(poor.secret, 'priced');
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe('insufficient_quota');
    expect(error.type).toBe('insufficient_quota');
    expect(error.message).toContain('daily budget of $0.0100');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
    const refused = await anthropicError(poor.secret, 'claude-priced');
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refused.message).toContain('budget');
    expect(upstreamCallsTo(stack, 'a') + upstreamCallsTo(stack, 'ant')).toBe(0);
    // A model without a price costs nothing known, so the budget does not stop it.
    await expect(openai(poor.secret).chat.completions.create(OPENAI_BODY as never)).resolves.toBeTruthy();
  });

  it('refuses the admin API to a client key, and the request path to the admin key', async () => {
    const answer = await admin(stack.detour, good.secret, 'GET', '/admin/keys');
    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.body)).not.toContain(good.secret);
    expect((await admin(stack.detour, 'wrong-admin-key', 'GET', '/admin/keys')).status).toBe(401);
    expect((await openaiError(ADMIN_KEY)).status).toBe(401);
  });

  it('records the key id in the request log and the usage per key, never the key', async () => {
    const tally = await createKey(stack.detour, ADMIN_KEY, { name: 'tally' });
    for (let index = 0; index < 3; index += 1)
      await openai(tally.secret).chat.completions.create(OPENAI_BODY as never);
    await openaiError(tally.secret, 'no-such-model').catch(() => undefined);
    await stack.detour.requestLog?.flush();
    const rows = await admin(stack.detour, ADMIN_KEY, 'GET', `/admin/requests?key=${tally.key.id}`);
    expect((rows.body.rows as unknown[]).length).toBe(4);
    const usage = await admin(stack.detour, ADMIN_KEY, 'GET', `/admin/usage?groupBy=key&key=${tally.key.id}`);
    expect(usage.body.usage).toMatchObject([{ key: tally.key.id, requests: 4, errors: 1 }]);
    const everything = JSON.stringify(
      (await admin(stack.detour, ADMIN_KEY, 'GET', '/admin/requests?limit=1000')).body,
    );
    const keys = (await admin(stack.detour, ADMIN_KEY, 'GET', '/admin/keys')).body;
    for (const secret of [good.secret, scoped.secret, tally.secret]) {
      expect(everything).not.toContain(secret);
      expect(JSON.stringify(keys)).not.toContain(secret);
    }
  });

  it('never writes a key to the logs or the metrics', async () => {
    await openaiError('dtr_logged?').catch(() => undefined);
    await openai(good.secret).chat.completions.create(OPENAI_BODY as never);
    const metrics = await (await fetch(`${stack.detour.url}/metrics`)).text();
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [good.secret, scoped.secret, 'dtr_logged?']) {
      expect(logs).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    expect(logs).not.toContain('key-a-secret');
  });

  it('does not let refused requests count against another key or the hosts', async () => {
    const limited = await createKey(stack.detour, ADMIN_KEY, { name: 'limited', rpm: 2 });
    const bystander = await createKey(stack.detour, ADMIN_KEY, { name: 'bystander', rpm: 2 });
    for (let index = 0; index < 5; index += 1)
      await openai(limited.secret)
        .chat.completions.create(OPENAI_BODY as never)
        .catch(() => undefined);
    expect(upstreamCallsTo(stack, 'a')).toBe(2);
    const answer = await post(
      '/v1/chat/completions',
      { authorization: `Bearer ${bystander.secret}` },
      OPENAI_BODY,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    // Refusals are not outcomes: no deployment saw a failure.
    for (const deployment of stack.detour.state.health.snapshot()) {
      expect(deployment.status.state).toBe('closed');
      expect(deployment.windows.oneMinute.failures).toBe(0);
    }
  });
});
