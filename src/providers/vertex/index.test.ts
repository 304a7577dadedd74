import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FailureClass } from '../../core/index.js';
import type { SseMessage } from '../../protocols/index.js';
import { classifyHttpFailure } from '../classify-failure.js';
import {
  generateTestKeyPair,
  type LocalTokenServer,
  startLocalTokenServer,
  type TestKeyPair,
  writeTestServiceAccount,
} from '../google/__fixtures__/local-token-server.js';
import { createProvider } from '../registry.js';
import { VERTEX_ANTHROPIC_VERSION, VertexProvider, type VertexSettings } from './index.js';

let keys: TestKeyPair;
let server: LocalTokenServer;
let credentials: string;

beforeAll(async () => {
  keys = generateTestKeyPair();
  server = await startLocalTokenServer(keys.publicKey);
  credentials = writeTestServiceAccount(`${server.url}/token`, keys.privateKeyPem);
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.grants.length = 0;
  server.replies.length = 0;
});

function vertex(overrides: Partial<VertexSettings> = {}): VertexProvider {
  return new VertexProvider('vx', {
    protocol: 'vertex',
    project: 'proj-1',
    region: 'us-east5',
    credentials,
    ...overrides,
  });
}

const CLAUDE = 'claude-sonnet-4@20250514';
const GEMINI = 'gemini-2.5-flash';

describe('VertexProvider', () => {
  it('speaks Anthropic Messages for Claude models and the gemini format for every other model', () => {
    const provider = vertex();
    expect(provider.wireFor(CLAUDE)).toBe('anthropic-messages');
    expect(provider.wireFor('claude-opus-4-1')).toBe('anthropic-messages');
    expect(provider.wireFor(GEMINI)).toBe('gemini');
    expect(provider.wireFor('gemini-2.0-flash-001')).toBe('gemini');
    expect(provider.wireFor('gemini-claude-distill')).toBe('gemini');
  });

  it("names Vertex's own anthropic_version", () => {
    expect(VERTEX_ANTHROPIC_VERSION).toBe('vertex-2023-10-16');
  });

  it('encodes the project and the location in the endpoint path', () => {
    expect(
      vertex({ project: 'team/a b', region: 'us east5', baseUrl: 'https://vertex.internal.example' })
        .endpoint,
    ).toBe('https://vertex.internal.example/v1/projects/team%2Fa%20b/locations/us%20east5');
  });

  it('lets the configured headers override the JSON content type', async () => {
    const call = await vertex({ headers: { 'content-type': 'application/json; charset=utf-8' } }).prepareCall(
      {
        upstreamModel: GEMINI,
        body: {},
        stream: false,
        clientHeaders: {},
      },
    );
    expect(call.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it("stops waiting for the token when the attempt's signal aborts, with its reason", async () => {
    const reason = new Error('client gone');
    await expect(
      vertex().prepareCall({
        upstreamModel: GEMINI,
        body: {},
        stream: false,
        clientHeaders: {},
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
    expect(server.grants).toHaveLength(0);
  });

  it('gets its tokens with the token options it is given', async () => {
    const throughOption: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-detour-test-fetch', 'vertex');
      return fetch(input, { ...init, headers });
    };
    const provider = new VertexProvider(
      'vx',
      { protocol: 'vertex', project: 'proj-1', region: 'us-east5', credentials },
      { fetch: throughOption },
    );

    await provider.prepareCall({ upstreamModel: GEMINI, body: {}, stream: false, clientHeaders: {} });

    expect(server.grants.map((grant) => grant.headers['x-detour-test-fetch'])).toStrictEqual(['vertex']);
  });

  it.each([
    [
      { region: 'us-east5' },
      'https://us-east5-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-east5',
    ],
    [
      { region: 'europe-west1' },
      'https://europe-west1-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west1',
    ],
    [{ region: 'global' }, 'https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global'],
    [
      { region: 'us-east5', baseUrl: 'https://vertex.internal.example' },
      'https://vertex.internal.example/v1/projects/proj-1/locations/us-east5',
    ],
    [
      { region: 'global', baseUrl: 'http://127.0.0.1:9000/hosts/vx/v1/' },
      'http://127.0.0.1:9000/hosts/vx/v1/projects/proj-1/locations/global',
    ],
  ])('reaches the endpoint of %o', (settings, endpoint) => {
    expect(vertex(settings).endpoint).toBe(endpoint);
  });

  it('calls rawPredict for a Claude model: no model in the body, the Vertex anthropic_version, a bearer token', async () => {
    const provider = vertex({ headers: { 'x-team': 'infra' } });
    const call = await provider.prepareCall({
      upstreamModel: CLAUDE,
      body: { model: CLAUDE, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      stream: false,
      clientHeaders: {
        'anthropic-beta': 'context-1m-2025-08-07',
        'anthropic-version': '2023-06-01',
        'x-other': '1',
      },
    });

    expect(call.origin).toBe('https://us-east5-aiplatform.googleapis.com');
    expect(call.path).toBe(
      '/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict',
    );
    expect(JSON.parse(call.body)).toEqual({
      anthropic_version: VERTEX_ANTHROPIC_VERSION,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(call.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${server.issued.at(-1)}`,
      'x-team': 'infra',
      // Beta features pass as the header; the API version goes in the body instead.
      'anthropic-beta': 'context-1m-2025-08-07',
    });
  });

  it('calls streamRawPredict for a streamed Claude request and keeps stream in the body', async () => {
    const call = await vertex().prepareCall({
      upstreamModel: CLAUDE,
      body: { model: CLAUDE, max_tokens: 10, messages: [], stream: true, anthropic_version: 'client-value' },
      stream: true,
      clientHeaders: {},
    });

    expect(call.path).toMatch(/\/publishers\/anthropic\/models\/claude-sonnet-4@20250514:streamRawPredict$/);
    expect(JSON.parse(call.body)).toEqual({
      max_tokens: 10,
      messages: [],
      stream: true,
      anthropic_version: VERTEX_ANTHROPIC_VERSION,
    });
    expect(call.headers.accept).toBe('text/event-stream');
  });

  it('calls generateContent and streamGenerateContent?alt=sse for a Google model, with neither model nor stream in the body', async () => {
    const provider = vertex({ region: 'global' });
    const body = { model: GEMINI, stream: true, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
    const plain = await provider.prepareCall({
      upstreamModel: GEMINI,
      body,
      stream: false,
      clientHeaders: {},
    });
    const streamed = await provider.prepareCall({
      upstreamModel: GEMINI,
      body,
      stream: true,
      clientHeaders: { 'anthropic-beta': 'x' },
    });

    expect(plain.origin).toBe('https://aiplatform.googleapis.com');
    expect(plain.path).toBe(
      '/v1/projects/proj-1/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    expect(streamed.path).toBe(
      '/v1/projects/proj-1/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(JSON.parse(plain.body)).toEqual({ contents: body.contents });
    expect(streamed.headers).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${server.issued.at(-1)}`,
    });
  });

  it('encodes a model id in its path segment, keeping @', async () => {
    const call = await vertex().prepareCall({
      upstreamModel: 'claude x/y@1',
      body: {},
      stream: false,
      clientHeaders: {},
    });
    expect(call.path).toMatch(/\/models\/claude%20x%2Fy@1:rawPredict$/);
  });

  it('asks the token endpoint once for many calls', async () => {
    const provider = vertex();
    const outgoing = { upstreamModel: GEMINI, body: {}, stream: false, clientHeaders: {} };
    await Promise.all([provider.prepareCall(outgoing), provider.prepareCall(outgoing)]);
    await provider.prepareCall(outgoing);

    expect(server.grants).toHaveLength(1);
    expect(server.grants[0]?.path).toBe('/token');
  });

  it('fails a call with an auth error naming the provider when the token endpoint refuses the grant', async () => {
    server.replies.push({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });

    await expect(
      vertex().prepareCall({ upstreamModel: CLAUDE, body: {}, stream: false, clientHeaders: {} }),
    ).rejects.toMatchObject({
      failureClass: 'auth',
      message: `provider "vx": the token endpoint rejected the service account's credentials (HTTP 400 invalid_grant)`,
    });
  });

  it('refuses to be created from a credentials file that cannot be read, naming provider and file', () => {
    expect(() =>
      createProvider('vertex-eu', {
        protocol: 'vertex',
        project: 'p',
        region: 'europe-west1',
        credentials: '/nonexistent/detour/sa.json',
      }),
    ).toThrow('provider "vertex-eu": credentials file "/nonexistent/detour/sa.json" cannot be read (ENOENT)');
  });

  it("drops Vertex's own vertex_event from Claude streams and nothing else", async () => {
    const body = [
      'event: message_start\ndata: {"type":"message_start"}\n\n',
      'event: vertex_event\ndata: {"type":"vertex_event","usage":{}}\n\n',
      'event: ping\ndata: {"type":"ping"}\n\n',
    ];
    const read = async (model: string) => {
      const messages: SseMessage[] = [];
      for await (const message of vertex().readStream(toChunks(body), model)) messages.push(message);
      return messages.map((message) => message.event);
    };

    expect(await read(CLAUDE)).toEqual(['message_start', 'ping']);
    expect(await read(GEMINI)).toEqual(['message_start', 'vertex_event', 'ping']);
  });

  describe('error classification', () => {
    const anthropicOverloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const googleQuota = [
      {
        error: {
          code: 429,
          message: 'Quota exceeded for aiplatform.googleapis.com',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    ];
    const googleUnauthenticated = {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials.',
        status: 'UNAUTHENTICATED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED' }],
      },
    };
    const cases: ReadonlyArray<readonly [string, string, number, unknown, FailureClass]> = [
      ['Anthropic-shaped 529 overloaded_error from Claude', CLAUDE, 529, anthropicOverloaded, 'overloaded'],
      [
        'Anthropic-shaped 400 invalid_request_error',
        CLAUDE,
        400,
        { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } },
        'client_error',
      ],
      [
        "Google-shaped 429 quota from Vertex's front door, wrapped in an array",
        CLAUDE,
        429,
        googleQuota,
        'rate_limited',
      ],
      ['Google-shaped 401 for a Claude model', CLAUDE, 401, googleUnauthenticated, 'auth'],
      [
        'Google-shaped 404 for a Claude model',
        CLAUDE,
        404,
        { error: { code: 404, message: 'Publisher model not found', status: 'NOT_FOUND' } },
        'not_found',
      ],
      [
        'Google-shaped 503 for a Gemini model',
        GEMINI,
        503,
        { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
        'overloaded',
      ],
      [
        'Google-shaped 400 FAILED_PRECONDITION for a Gemini model',
        GEMINI,
        400,
        { error: { code: 400, message: 'Project not allowed', status: 'FAILED_PRECONDITION' } },
        'client_error',
      ],
    ];

    it.each(cases)('classifies %s', (_name, model, status, body, expected) => {
      const provider = vertex();
      const text = JSON.stringify(body);
      const error = classifyHttpFailure({
        vendorErrorClasses: provider.vendorErrorClasses,
        status,
        headers: {},
        details: provider.readErrorDetails(model, {}, body, text),
        provider: 'vx',
        deployment: `vx/${model}`,
        now: 0,
      });
      expect(error.failureClass).toBe(expected);
    });

    it('reads the vendor type of each shape', () => {
      const provider = vertex();
      expect(provider.readErrorDetails(CLAUDE, {}, anthropicOverloaded, '')).toEqual({
        type: 'overloaded_error',
        message: 'Overloaded',
      });
      expect(provider.readErrorDetails(CLAUDE, {}, googleUnauthenticated, '')).toMatchObject({
        type: 'UNAUTHENTICATED',
        code: 'ACCESS_TOKEN_EXPIRED',
      });
    });

    it("reads a Gemini model's error only in Google's shape: any other body lends its text", () => {
      const text = JSON.stringify(anthropicOverloaded);
      expect(vertex().readErrorDetails(GEMINI, {}, anthropicOverloaded, text)).toStrictEqual({
        message: text,
      });
    });

    it("classifies by either vendor's table, before the status", () => {
      const provider = vertex();
      expect(provider.vendorErrorClasses.overloaded_error).toBe('overloaded');
      expect(provider.vendorErrorClasses.RESOURCE_EXHAUSTED).toBe('rate_limited');
      const error = classifyHttpFailure({
        vendorErrorClasses: provider.vendorErrorClasses,
        status: 503,
        headers: {},
        details: provider.readErrorDetails(CLAUDE, {}, anthropicOverloaded, ''),
        provider: 'vx',
        deployment: `vx/${CLAUDE}`,
        now: 0,
      });
      expect(error.failureClass).toBe('overloaded');
    });
  });
});

async function* toChunks(chunks: readonly string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}
