import { describe, expect, it } from 'vitest';
import { OpenAiCompatibleProvider } from './index.js';

describe('OpenAiCompatibleProvider', () => {
  it('calls chat/completions under the base URL’s path with a bearer key', () => {
    const provider = new OpenAiCompatibleProvider('vllm', {
      protocol: 'openai-chat',
      baseUrl: 'http://127.0.0.1:8000/serve/v1/',
      apiKey: 'sk-1',
    });
    expect(provider.endpoint).toBe('http://127.0.0.1:8000/serve/v1/chat/completions');
    const call = provider.prepareCall({
      upstreamModel: 'm',
      body: { model: 'm' },
      stream: false,
      clientHeaders: {},
    });
    expect(call.origin).toBe('http://127.0.0.1:8000');
    expect(call.path).toBe('/serve/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer sk-1');
    expect(call.body).toBe('{"model":"m"}');
  });

  it('sends no authorization header without a key', () => {
    const provider = new OpenAiCompatibleProvider('local', {
      protocol: 'openai-chat',
      baseUrl: 'http://127.0.0.1:1/v1',
    });
    const call = provider.prepareCall({ upstreamModel: 'm', body: {}, stream: true, clientHeaders: {} });
    expect(Object.keys(call.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
  });
});
