import { describe, expect, it } from 'vitest';
import { classifyHttpFailure } from '../classify-failure.js';
import { createProvider } from '../registry.js';
import { GeminiProvider, geminiModelResource } from './index.js';

const KEY = 'AIzaSyTEST-not-a-real-key';

describe('GeminiProvider', () => {
  it('speaks the gemini format for every model', () => {
    const provider = new GeminiProvider('gem', { protocol: 'gemini', apiKey: KEY });
    expect(provider.wireFor()).toBe('gemini');
  });

  it('reaches generateContent on the public endpoint with the key in x-goog-api-key, never in the URL', () => {
    const provider = createProvider('gem', { protocol: 'gemini', apiKey: KEY });
    const call = provider.prepareCall({
      upstreamModel: 'gemini-2.5-flash',
      body: { model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      stream: false,
      clientHeaders: { authorization: 'Bearer client-key' },
    });

    expect(call).toEqual({
      origin: 'https://generativelanguage.googleapis.com',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-goog-api-key': KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(provider.endpoint).toBe('https://generativelanguage.googleapis.com/v1beta');
    expect(provider.endpoint).not.toContain(KEY);
  });

  it('streams through streamGenerateContent?alt=sse, without a stream field in the body', () => {
    const provider = new GeminiProvider('gem', {
      protocol: 'gemini',
      baseUrl: 'http://127.0.0.1:8000/hosts/gem/v1beta/',
      apiKey: KEY,
      headers: { 'x-goog-user-project': 'proj' },
    });
    const call = provider.prepareCall({
      upstreamModel: 'gemini-2.5-pro',
      body: { contents: [], stream: true },
      stream: true,
      clientHeaders: {},
    });

    expect(call.origin).toBe('http://127.0.0.1:8000');
    expect(call.path).toBe('/hosts/gem/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    expect(call.headers).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-goog-user-project': 'proj',
      'x-goog-api-key': KEY,
    });
    expect(JSON.parse(call.body)).toEqual({ contents: [] });
  });

  it('lets configured headers replace the content type but never the key', () => {
    const provider = new GeminiProvider('gem', {
      protocol: 'gemini',
      apiKey: KEY,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-goog-api-key': 'from-headers' },
    });
    const call = provider.prepareCall({ upstreamModel: 'm', body: {}, stream: false, clientHeaders: {} });

    expect(call.headers).toStrictEqual({
      'content-type': 'application/json; charset=utf-8',
      'x-goog-api-key': KEY,
      accept: 'application/json',
    });
  });

  it('reads its streams as server-sent events', async () => {
    const provider = new GeminiProvider('gem', { protocol: 'gemini', apiKey: KEY });
    async function* body(): AsyncGenerator<string> {
      yield 'data: {"candidates":[]}\r\n\r\ndata: {"usage';
      yield 'Metadata":{}}\n\n';
    }
    const messages = [];
    for await (const message of provider.readStream(body())) messages.push(message);

    expect(messages.map((message) => message.data)).toStrictEqual([
      '{"candidates":[]}',
      '{"usageMetadata":{}}',
    ]);
  });

  it('reads Google-shaped errors: a bad key is auth, an exhausted quota rate_limited', () => {
    const provider = new GeminiProvider('gem', { protocol: 'gemini', apiKey: KEY });
    const classify = (status: number, body: unknown) =>
      classifyHttpFailure({
        vendorErrorClasses: provider.vendorErrorClasses,
        status,
        headers: {},
        details: provider.readErrorDetails('m', {}, body, JSON.stringify(body)),
        provider: 'gem',
        deployment: 'gem/m',
        now: 0,
      }).failureClass;

    expect(
      classify(400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      }),
    ).toBe('auth');
    expect(classify(429, { error: { code: 429, message: 'exhausted', status: 'RESOURCE_EXHAUSTED' } })).toBe(
      'rate_limited',
    );
  });
});

describe('geminiModelResource', () => {
  it.each([
    ['gemini-2.5-flash', 'models/gemini-2.5-flash'],
    ['models/gemini-2.5-flash', 'models/gemini-2.5-flash'],
    ['tunedModels/my-model-7', 'tunedModels/my-model-7'],
    ['odd name?', 'models/odd%20name%3F'],
  ])('names %s as %s', (model, resource) => {
    expect(geminiModelResource(model)).toBe(resource);
  });
});
