import { describe, expect, it } from 'vitest';
import { AnthropicProvider } from './index.js';

describe('AnthropicProvider', () => {
  it('calls Messages under the base URL’s path with the key, version and JSON content type', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'https://gateway.example/anthropic/',
      apiKey: 'sk-ant-1',
    });
    expect(provider.endpoint).toBe('https://gateway.example/anthropic/v1/messages');
    expect(
      provider.prepareCall({ upstreamModel: 'm', body: { model: 'm' }, stream: false, clientHeaders: {} }),
    ).toStrictEqual({
      origin: 'https://gateway.example',
      path: '/anthropic/v1/messages',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-1',
        'anthropic-version': '2023-06-01',
        accept: 'application/json',
      },
      body: '{"model":"m"}',
    });
  });

  it('counts tokens at count_tokens beside Messages', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'https://api.anthropic.example',
      apiKey: 'sk-ant-1',
    });
    expect(provider.prepareCountTokens({ upstreamModel: 'm', body: {}, clientHeaders: {} })).toStrictEqual({
      origin: 'https://api.anthropic.example',
      path: '/v1/messages/count_tokens',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-1',
        'anthropic-version': '2023-06-01',
        accept: 'application/json',
      },
      body: '{}',
    });
  });

  it('sends the configured headers and version, and no key when it has none', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'http://127.0.0.1:9000',
      headers: { 'x-team': 'red' },
      anthropicVersion: '2030-01-01',
    });
    expect(provider.endpoint).toBe('http://127.0.0.1:9000/v1/messages');
    expect(
      provider.prepareCall({ upstreamModel: 'm', body: {}, stream: true, clientHeaders: {} }).headers,
    ).toStrictEqual({
      'content-type': 'application/json',
      'x-team': 'red',
      'anthropic-version': '2030-01-01',
      accept: 'text/event-stream',
    });
  });
});
