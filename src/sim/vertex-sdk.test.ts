import { readFile } from 'node:fs/promises';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServiceAccountClient } from '../providers/index.js';
import { generateServiceAccount, type SimServiceAccount, type Simulator, startSimulator } from './index.js';

// The Vertex AI routes, checked with the official SDKs as clients (`@anthropic-ai/vertex-sdk` for
// Claude, `@google/genai` in Vertex mode for Gemini), authenticated the way production is: a
// service-account key whose token_uri is the simulator's token endpoint.

let sim: Simulator;
/** How far the simulator's clock runs ahead of real time (google-auth-library signs with real time). */
let clockAhead = 0;
let account: SimServiceAccount;
let claude: AnthropicVertex;

const MODEL = 'claude-sonnet-4@20250514';

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 3,
    now: () => Date.now() + clockAhead,
    googleTokenLifetimeSeconds: 3600,
  });
  account = await sim.createServiceAccount({ projectId: 'proj-a', host: 'vtx' });
  claude = new AnthropicVertex({
    baseURL: `${sim.url}/hosts/vtx/v1`,
    region: 'us-east5',
    projectId: 'proj-a',
    authClient: createServiceAccountClient(account.json),
    maxRetries: 0,
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const weather = {
  type: 'object' as const,
  properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
  required: ['city'],
};

function genai(options: { apiVersion?: string; location?: string; authClient?: OAuth2Client } = {}) {
  return new GoogleGenAI({
    vertexai: true,
    project: 'proj-a',
    location: options.location ?? 'us-central1',
    ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
    httpOptions: { baseUrl: `${sim.url}/hosts/vtx` },
    googleAuthOptions: { authClient: options.authClient ?? createServiceAccountClient(account.json) },
  });
}

function staticToken(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

describe('Claude on Vertex AI', () => {
  it('answers rawPredict for the model in the path, with a token from the token endpoint', async () => {
    const message = await claude.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'echo: hello there' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      model: MODEL,
      content: [{ type: 'text', text: 'hello there' }],
    });
    const seen = sim.stats().hosts.vtx?.recent[0];
    expect(seen?.path).toBe(
      `/v1/projects/proj-a/locations/us-east5/publishers/anthropic/models/${MODEL}:rawPredict`,
    );
    expect(seen?.model).toBe(MODEL);
    expect(seen?.body).toMatchObject({ anthropic_version: expect.any(String) });
    expect(seen?.body).not.toHaveProperty('model');
    expect(seen?.headers.authorization).toMatch(/^Bearer ya29\.sim-/);
  });

  it('asks the token endpoint once and reuses the token', async () => {
    const client = claude.withOptions({ authClient: createServiceAccountClient(account.json) });
    const ask = () =>
      client.messages.create({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'echo: x' }],
      });
    await ask();
    await ask();
    expect(sim.stats().hosts.vtx?.requests).toBe(2);
    expect(sim.stats().googleTokenGrants).toBe(1);
  });

  it('streams through streamRawPredict with thinking and a tool call, past the vertex_event', async () => {
    const types = new Set<string>();
    const stream = claude.messages.stream({
      model: MODEL,
      max_tokens: 200,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: weather }],
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    stream.on('streamEvent', (event) => types.add(event.type));
    const message = await stream.finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    expect(message.stop_reason).toBe('tool_use');
    expect(types.has('message_stop')).toBe(true);
    expect(sim.stats().hosts.vtx?.recent[0]?.path).toMatch(/:streamRawPredict$/);
  });

  it("adds Vertex's own vertex_event after message_start, which Anthropic's API never sends", async () => {
    const { token } = await createServiceAccountClient(account.json).getAccessToken();
    const response = await fetch(
      `${sim.url}/hosts/vtx/v1/projects/proj-a/locations/us-east5/publishers/anthropic/models/${MODEL}:streamRawPredict`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          anthropic_version: 'vertex-2023-10-16',
          max_tokens: 5,
          stream: true,
          messages: [{ role: 'user', content: 'echo: x' }],
        }),
      },
    );
    const events = [...(await response.text()).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events.slice(0, 2)).toEqual(['message_start', 'vertex_event']);
  });

  it('keeps its key file on disk with the token_uri of the chosen host', async () => {
    const saved = JSON.parse(await readFile(account.keyFile, 'utf8')) as { token_uri: string };
    expect(saved).toEqual(account.json);
    expect(saved.token_uri).toBe(`${sim.url}/hosts/vtx/token`);
  });

  it('serves the global location', async () => {
    const global = claude.withOptions({ region: 'global' });
    const message = await global.messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'echo: everywhere' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'everywhere' }]);
    expect(sim.stats().hosts.vtx?.recent[0]?.path).toContain('/locations/global/');
  });

  it("answers the model's 529 in Anthropic's shape and Vertex's quota 429 in Google's", async () => {
    sim.setFault({ host: 'vtx', fault: { type: 'status', status: 529 }, times: 1 });
    const overloaded = await caught(
      claude.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(JSON.stringify((overloaded as InstanceType<typeof Anthropic.APIError>).error)).toContain(
      'overloaded_error',
    );
    sim.setFault({ host: 'vtx', fault: { type: 'status', status: 429 }, times: 1 });
    const quota = await caught(
      claude.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((quota as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
    expect((quota as InstanceType<typeof Anthropic.APIError>).error).toEqual([
      { error: expect.objectContaining({ code: 429, status: 'RESOURCE_EXHAUSTED' }) },
    ]);
  });

  it('sends an in-stream overloaded error event after content', async () => {
    sim.setFault({ host: 'vtx', fault: { type: 'stream_error', afterChunks: 1 } });
    const deltas: string[] = [];
    const error = await caught(
      claude.messages
        .stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'echo: a b c' }] })
        .on('text', (delta) => deltas.push(delta))
        .finalMessage(),
    );
    expect(deltas).toEqual(['a']);
    expect(String(error)).toContain('Overloaded');
  });

  it("continues a prefill, and refuses one in Anthropic's shape on a host that takes none", async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'echo: one two three' },
      { role: 'assistant', content: 'one' },
    ];
    const deltas: string[] = [];
    await claude.messages
      .stream({ model: MODEL, max_tokens: 50, messages })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage();
    expect(deltas).toEqual([' two', ' three']);
    sim.setFault({ host: 'vtx', fault: { type: 'reject_prefill' } });
    const refused = await caught(claude.messages.create({ model: MODEL, max_tokens: 50, messages }));
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('assistant message prefill') },
    });
  });

  it('refuses a token it did not issue, and an account of another project, in Google shape', async () => {
    const forged = claude.withOptions({ authClient: staticToken('ya29.forged') });
    const unauthenticated = await caught(
      forged.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((unauthenticated as InstanceType<typeof Anthropic.APIError>).status).toBe(401);
    expect((unauthenticated as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { status: 'UNAUTHENTICATED' },
    });
    const other = await sim.createServiceAccount({ projectId: 'proj-b' });
    const foreign = claude.withOptions({ authClient: createServiceAccountClient(other.json) });
    const denied = await caught(
      foreign.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((denied as InstanceType<typeof Anthropic.APIError>).status).toBe(403);
  });

  it('refuses a token once it has expired on the simulator clock', async () => {
    const client = claude.withOptions({ authClient: createServiceAccountClient(account.json) });
    const ask = () =>
      client.messages.create({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'echo: x' }],
      });
    await ask();
    clockAhead = 3_600_000;
    try {
      const expired = await caught(ask());
      expect((expired as InstanceType<typeof Anthropic.APIError>).status).toBe(401);
      expect(JSON.stringify((expired as InstanceType<typeof Anthropic.APIError>).error)).toContain(
        'ACCESS_TOKEN_EXPIRED',
      );
    } finally {
      clockAhead = 0;
    }
  });

  it('refuses the grant of an account it does not know, so no call is made', async () => {
    const stranger = generateServiceAccount({
      tokenUri: account.json.token_uri,
      projectId: 'proj-a',
      name: 'stranger',
    });
    const client = claude.withOptions({ authClient: createServiceAccountClient(stranger.account) });
    const error = await caught(
      client.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    // The SDK wraps google-auth-library's error, which carries the token endpoint's answer.
    expect(String((error as Error).cause)).toContain('invalid_grant: Invalid grant: account not found');
    expect(sim.stats().hosts.vtx?.requests ?? 0).toBe(0);
  });
});

describe('Gemini on Vertex AI', () => {
  it('answers generateContent on v1 and on the SDK default v1beta1', async () => {
    const response = await genai({ apiVersion: 'v1' }).models.generateContent({
      model: 'gemini-2.5-pro',
      contents: 'echo: on vertex',
    });
    expect(response.text).toBe('on vertex');
    expect(response.createTime).toBeDefined();
    const beta = await genai({ location: 'global' }).models.generateContent({
      model: 'gemini-2.5-pro',
      contents: 'echo: beta',
    });
    expect(beta.text).toBe('beta');
    expect(sim.stats().hosts.vtx?.recent.map((record) => record.path)).toEqual([
      '/v1/projects/proj-a/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent',
      '/v1beta1/projects/proj-a/locations/global/publishers/google/models/gemini-2.5-pro:generateContent',
    ]);
  });

  it('streams with the finish reason on the last chunk', async () => {
    const stream = await genai({ apiVersion: 'v1' }).models.generateContentStream({
      model: 'gemini-2.5-pro',
      contents: 'echo: one two',
    });
    const texts: string[] = [];
    let finish: string | undefined;
    for await (const chunk of stream) {
      if (chunk.text) texts.push(chunk.text);
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    expect(texts).toEqual(['one', ' two']);
    expect(finish).toBe('STOP');
  });

  it('surfaces a 503 fault as ApiError 503 UNAVAILABLE, and a bad token as 401', async () => {
    sim.setFault({ host: 'vtx', fault: { type: 'status', status: 503 }, times: 1 });
    const unavailable = await caught(
      genai().models.generateContent({ model: 'gemini-2.5-pro', contents: 'x' }),
    );
    expect(unavailable).toBeInstanceOf(ApiError);
    expect((unavailable as ApiError).status).toBe(503);
    expect((unavailable as ApiError).message).toContain('UNAVAILABLE');
    const forged = await caught(
      genai({ authClient: staticToken('ya29.forged') }).models.generateContent({
        model: 'gemini-2.5-pro',
        contents: 'x',
      }),
    );
    expect((forged as ApiError).status).toBe(401);
  });
});
